export { breakers, type CountBreakerOptions, type SamplingBreakerOptions } from './breakers/specs.js';
export { type CircuitBreakerPolicy, type CircuitBreakerSnapshot, circuitBreaker } from './circuit-breaker.js';
export {
  BREAKER_KINDS,
  type BreakerKind,
  type BreakerSpec,
  CIRCUIT_BREAKER_DEFAULTS,
  type CircuitBreakerOptions,
  type CircuitBreakerPersistedState,
  type CircuitBreakerSettings,
  type ConsecutiveBreakerSpec,
  type CountBreakerSpec,
  type HalfOpenOptions,
  type SamplingBreakerSpec,
  type SlowCallSpec,
} from './options.js';
