/** Defaults of each health check; `@rampart/config` builds its schema from this object. */
export const HEALTH_DEFAULTS = {
  /** @defaultValue true */
  critical: true,
  /** @defaultValue 5_000 (ms) */
  timeout: 5_000,
  /** @defaultValue 0 (ms: run on demand only) */
  interval: 0,
  /** @defaultValue 10 (results kept per check) */
  history: 10,
} as const;
