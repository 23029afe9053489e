import type { BreakerSpec } from '../options.js';
import type { BreakerState } from './breaker-state.js';
import { ConsecutiveState } from './consecutive.js';
import { CountState } from './count.js';
import { SamplingState } from './sampling.js';

export type { BreakerState, OpenReason } from './breaker-state.js';
export {
  breakers,
  type CountBreakerOptions,
  checkBreakerSpec,
  MAX_BUCKETS,
  MAX_COUNT_SIZE,
  type SamplingBreakerOptions,
} from './specs.js';

/** The live state for a (validated) spec. */
export function createBreakerState(spec: BreakerSpec): BreakerState {
  switch (spec.kind) {
    case 'consecutive':
      return new ConsecutiveState(spec);
    case 'count':
      return new CountState(spec);
    case 'sampling':
      return new SamplingState(spec);
  }
}
