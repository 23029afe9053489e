export {
  type FallbackPolicy,
  type FallbackSnapshot,
  failClosed,
  failOpen,
  fallback,
} from './fallback.js';
export {
  FALLBACK_DEFAULTS,
  type FallbackCommonOptions,
  type FallbackFnOptions,
  type FallbackLastGoodOptions,
  type FallbackOptions,
  type FallbackSettings,
  type FallbackValueOptions,
  type LastGoodOptions,
  type StaleInfo,
} from './options.js';
