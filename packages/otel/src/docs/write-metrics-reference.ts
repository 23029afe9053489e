/**
 * Writes docs/metrics.md from the constants module:
 * `pnpm --filter @rampart/otel docs:metrics` (or `tsx packages/otel/src/docs/write-metrics-reference.ts`).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METRICS_REFERENCE_PATH, renderMetricsReference } from './metrics-reference.js';

const target = fileURLToPath(new URL(`../../../../${METRICS_REFERENCE_PATH}`, import.meta.url));
writeFileSync(target, renderMetricsReference());
console.log(`wrote ${target}`);
