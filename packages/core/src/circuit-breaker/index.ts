export {
  type BreakerKind,
  type BreakerSpec,
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  type CircuitBreakerPersistedState,
  type ConsecutiveBreakerSpec,
  type CountBreakerSpec,
  type HalfOpenOptions,
  type SamplingBreakerSpec,
  type SlowCallSpec,
} from './options.js';
