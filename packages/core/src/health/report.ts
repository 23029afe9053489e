/** Overall health: a failing critical check makes it `unhealthy`, a failing other check `degraded`. */
export type HealthState = 'healthy' | 'degraded' | 'unhealthy';

/** The result of one run of one check. */
export interface HealthCheckResult {
  readonly ok: boolean;
  /** How long the run took (ms, by the monitor's clock). */
  readonly responseTimeMs: number;
  /** Why it failed: the error's class name and message, never a stack (safe for status pages). */
  readonly error?: string;
  /** When the run ended (ms since the epoch, by the monitor's clock). */
  readonly checkedAt: number;
}

/** A check's latest result, with its criticality and its recent results. */
export interface HealthCheckReport extends HealthCheckResult {
  readonly critical: boolean;
  /** The latest results, oldest first, the current one included. */
  readonly history: readonly HealthCheckResult[];
}

/** What `status()` and `lastStatus()` return. */
export interface HealthReport {
  /** The monitor's name. */
  readonly name: string;
  readonly status: HealthState;
  /** Percentage of checks that passed (0-100, two decimals). */
  readonly availability: number;
  /** When the newest result in this report was taken. */
  readonly checkedAt: number;
  readonly checks: Readonly<Record<string, HealthCheckReport>>;
}

const MAX_ERROR_LENGTH = 200;

/**
 * A short, safe description of a failure for reports: `ClassName: message`, on one line,
 * at most 200 characters. Stacks never appear (they reveal code paths), and long messages
 * (which may carry payloads) are cut.
 */
export function describeError(error: unknown): string {
  let text: string;
  try {
    text = describeUnsafely(error);
  } catch {
    // A value whose properties cannot be read (a getter that throws, a revoked proxy): the
    // report must still be made, or the check's run would never end.
    text = 'unreadable error';
  }
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}

/** `describeError` without the guard: may throw on a hostile value. */
function describeUnsafely(error: unknown): string {
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    const { name, message } = error as { name?: unknown; message: string };
    const kind = typeof name === 'string' && name !== '' ? name : (error.constructor?.name ?? 'Error');
    return message === '' ? kind : `${kind}: ${message}`;
  }
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) return Object.prototype.toString.call(error);
  return String(error);
}
