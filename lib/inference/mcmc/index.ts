// (placeholder) rv.mcmc: nuts, hmc
export {};
