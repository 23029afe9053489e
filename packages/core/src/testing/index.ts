/**
 * Test helpers for code that uses rampart: a manual clock that makes every timeout,
 * backoff and breaker timing deterministic.
 */
export { flushMicrotasks, TestClock } from './test-clock.js';
