import type { SettingValue } from './formats.js';
import { SETTING_BY_ID } from './settings.js';

/** A preset of defaults, selected by `RAMPART_PROFILE` (or `NODE_ENV`). */
export type Profile = 'development' | 'production';

export const PROFILES: readonly Profile[] = ['development', 'production'];

/**
 * What each profile changes, by `section.key`. Every variable still overrides a profile
 * value. `production` is the core defaults themselves: they are chosen for production
 * services, so the preset is empty on purpose.
 */
export const PROFILE_PRESETS: Readonly<Record<Profile, Readonly<Record<string, SettingValue>>>> = {
  // A developer wants failures to surface quickly: fewer retries, short waits, circuits
  // that open and recover within seconds, so a local outage shows up in seconds.
  development: {
    'retry.maxAttempts': 2,
    'retry.maxDelay': 5_000,
    'retry.backoff.initial': 50,
    'retry.backoff.max': 1_000,
    'breaker.minimumCalls': 5,
    'breaker.window': 10_000,
    'breaker.openFor': 5_000,
    'breaker.halfOpen.maxWait': 5_000,
    'timeout.after': 5_000,
    'bulkhead.queueTimeout': 5_000,
    'hedge.delay': 50,
    'fallback.lastGoodTtl': 30_000,
    'health.timeout': 2_000,
  },
  production: {},
};

for (const [profile, preset] of Object.entries(PROFILE_PRESETS)) {
  for (const id of Object.keys(preset)) {
    if (!SETTING_BY_ID.has(id))
      throw new Error(`@rampart/config: profile ${profile} sets unknown setting ${id}`);
  }
}

/** `NODE_ENV` values that select a profile when `RAMPART_PROFILE` is not set. */
export function profileFromNodeEnv(nodeEnv: string | undefined): Profile | undefined {
  const value = nodeEnv?.trim().toLowerCase();
  if (value === 'development' || value === 'dev') return 'development';
  if (value === 'production' || value === 'prod') return 'production';
  return undefined;
}
