/** Percent of the monthly budget at which alerts go out, for the actual and the forecast spend, on every cloud. */
export const BUDGET_PERCENTS = [50, 80, 100] as const;
