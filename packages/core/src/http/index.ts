export { HttpStatusError, safeUrl } from './http-status-error.js';
export {
  type FetchLike,
  type PipelineLike,
  type ResilientFetch,
  type ResilientFetchOptions,
  type ResilientFetchOrNull,
  resilientFetch,
} from './resilient-fetch.js';
