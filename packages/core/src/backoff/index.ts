export {
  BACKOFF_DEFAULTS,
  BACKOFF_KINDS,
  type BackoffKind,
  type BackoffSpec,
  JITTERS,
  type Jitter,
} from './options.js';
