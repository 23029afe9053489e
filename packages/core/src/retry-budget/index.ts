export {
  RETRY_BUDGET_DEFAULTS,
  type RetryBudget,
  type RetryBudgetOptions,
  type RetryBudgetSnapshot,
} from './options.js';
export { retryBudget } from './retry-budget.js';
