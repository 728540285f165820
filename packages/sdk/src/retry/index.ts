export { RetryBudget } from "./retry-budget.js";
