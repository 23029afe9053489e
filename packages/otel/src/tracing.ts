import { type Attributes, trace } from '@opentelemetry/api';
import type { FallbackEvent, RetryEvent, TimeoutEvent } from '@rampart/core';
import {
  ATTR_ATTEMPT,
  ATTR_ERROR_TYPE,
  ATTR_FALLBACK_SOURCE,
  ATTR_PIPELINE,
  ATTR_POLICY,
  SPAN_ATTR_TIMEOUT_AFTER,
  SPAN_EVENT_CIRCUIT_REJECTED,
  SPAN_EVENT_FALLBACK,
  SPAN_EVENT_RETRY,
  SPAN_EVENT_TIMEOUT,
} from './constants.js';
import { ErrorTypeLimiter } from './error-type.js';

/**
 * Adds span events to the caller's active span (`tracing: true`). These events are rare
 * (retries, rejections, timeouts, fallbacks), so building their attributes here costs the
 * hot path nothing; a call without an active, recording span costs one context lookup.
 */
export class SpanEvents {
  readonly #base: Attributes;
  readonly #limit: number;
  readonly #errorTypes = new Map<string, ErrorTypeLimiter>();

  constructor(base: Attributes, limit: number) {
    this.#base = base;
    this.#limit = limit;
  }

  retry(e: RetryEvent): void {
    const span = recordingSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT_RETRY, {
      ...this.#common(e.pipeline, e.policyName),
      [ATTR_ATTEMPT]: e.attempt,
      [ATTR_ERROR_TYPE]: this.#errorType(e.pipeline, e.error),
    });
  }

  circuitRejected(pipeline: string, policyName: string, error: unknown): void {
    const span = recordingSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT_CIRCUIT_REJECTED, {
      ...this.#common(pipeline, policyName),
      [ATTR_ERROR_TYPE]: this.#errorType(pipeline, error),
    });
  }

  timeout(e: TimeoutEvent): void {
    const span = recordingSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT_TIMEOUT, {
      ...this.#common(e.pipeline, e.policyName),
      [SPAN_ATTR_TIMEOUT_AFTER]: e.timeout / 1000,
    });
  }

  fallback(e: FallbackEvent): void {
    const span = recordingSpan();
    if (span === undefined) return;
    span.addEvent(SPAN_EVENT_FALLBACK, {
      ...this.#common(e.pipeline, e.policyName),
      [ATTR_FALLBACK_SOURCE]: e.source,
      [ATTR_ERROR_TYPE]: this.#errorType(e.pipeline, e.error),
    });
  }

  #common(pipeline: string, policy: string): Attributes {
    return { ...this.#base, [ATTR_PIPELINE]: pipeline, [ATTR_POLICY]: policy };
  }

  #errorType(pipeline: string, error: unknown): string {
    let limiter = this.#errorTypes.get(pipeline);
    if (limiter === undefined) {
      limiter = new ErrorTypeLimiter(this.#limit);
      this.#errorTypes.set(pipeline, limiter);
    }
    return limiter.of(error);
  }
}

function recordingSpan() {
  const span = trace.getActiveSpan();
  return span?.isRecording() ? span : undefined;
}
