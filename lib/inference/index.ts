/** Inference: MCMC (`rv.mcmc.nuts`, `rv.mcmc.hmc`), the Fit it returns, and diagnostics. */
export * as mcmc from './mcmc/index';
export * from './diagnostics/index';
export { Fit, type FitInit, type SamplerStats } from './fit';
