// (placeholder) diagnostics: summary, saveFit, ESS, R-hat
export {};
