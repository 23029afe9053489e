import { retry } from '@rampart/core';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { loadConfig } from './load.js';

describe('endless retries that never wait', () => {
  // The core refuses `maxAttempts: Infinity` with a backoff that never waits (such a loop
  // starves the timers that would bring the caller's abort); loadConfig reports it first, so
  // whatever it accepts, retry() accepts. Added with that core check (test/reliability).
  it('are reported, naming the variable; a backoff that waits is fine', () => {
    const load = (env: Record<string, string>) => loadConfig({ pipelines: ['p'], env, file: null });
    for (const env of [
      { RAMPART_RETRY_MAX_ATTEMPTS: 'infinity', RAMPART_RETRY_BACKOFF_INITIAL: '0ms' },
      { RAMPART_RETRY_MAX_ATTEMPTS: 'infinity', RAMPART_RETRY_MAX_DELAY: '0ms' },
    ]) {
      let thrown: unknown;
      try {
        load(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).issues.map((i) => i.variable)).toContain('RAMPART_RETRY_MAX_ATTEMPTS');
    }
    const config = load({ RAMPART_RETRY_MAX_ATTEMPTS: 'infinity' });
    expect(() => retry(config.pipelines.p.retry)).not.toThrow();
  });
});
