/** Random variables and tracing: Edward2's core and its program transformations. */
export { RandomVariable, type RandomVariableOptions } from './random-variable';
export { trace, traceable, type Tracer } from './tracing';
export { randomVariableConstructor, type RandomVariableArgs } from './constructor';
export { tape } from './tape';
export { condition, substitute } from './condition';
export { makeLogJointFn } from './log-joint';
export { intervene } from './intervene';
export { seed } from './seed';
export { block, type BlockOptions } from './block';
export { scale } from './scale';
export { predictive, type PredictiveOptions } from './predictive';
export * from './families';
