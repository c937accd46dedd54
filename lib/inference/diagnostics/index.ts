/**
 * MCMC diagnostics: effective sample sizes (basic, bulk, tail), R̂, Monte Carlo standard
 * errors, the summary table, and ArviZ-readable output.
 */
export { effectiveSampleSize } from './ess';
export { bulkEss } from './bulk-ess';
export { tailEss } from './tail-ess';
export { potentialScaleReduction, rhat } from './rhat';
export { mcseMean } from './mcse';
export { summary, type SummaryOptions, type SummaryRow } from './summary';
export { fitToJSON, saveFit, type InferenceDataJSON } from './arviz';
export type { DrawsLike, FitLike } from './draws';
