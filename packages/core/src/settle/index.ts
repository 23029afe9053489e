export {
  type SettleCalls,
  type SettleContext,
  type Settled,
  type SettledValues,
  type SettleOptions,
  settle,
} from './settle.js';
