/**
 * Argument kinds of every public tensor function, for the fuzz test: each kind has a generator
 * of valid and invalid values. A new op must be listed here (the fuzz test checks coverage).
 */
import * as families from '../../lib/core/families';

export type ArgKind =
  | 'tensor' | 'tensors' | 'int-tensor' | 'bool-tensor' | 'axis' | 'axes' | 'shape' | 'dtype' | 'number'
  | 'int' | 'ints' | 'bool' | 'paddings' | 'data';

export const signatures: Record<string, ArgKind[]> = {
  // elementwise
  neg: ['tensor'], abs: ['tensor'], sign: ['tensor'], square: ['tensor'], exp: ['tensor'], expm1: ['tensor'],
  log: ['tensor'], log1p: ['tensor'], sqrt: ['tensor'], rsqrt: ['tensor'], reciprocal: ['tensor'],
  sigmoid: ['tensor'], logSigmoid: ['tensor'], softplus: ['tensor'], tanh: ['tensor'], sin: ['tensor'],
  cos: ['tensor'], floor: ['tensor'], ceil: ['tensor'], round: ['tensor'], isFinite: ['tensor'], isNaN: ['tensor'],
  logicalNot: ['bool-tensor'], add: ['tensor', 'tensor'], sub: ['tensor', 'tensor'], mul: ['tensor', 'tensor'],
  div: ['tensor', 'tensor'], pow: ['tensor', 'tensor'], maximum: ['tensor', 'tensor'], minimum: ['tensor', 'tensor'],
  squaredDifference: ['tensor', 'tensor'], atan2: ['tensor', 'tensor'], equal: ['tensor', 'tensor'],
  notEqual: ['tensor', 'tensor'], less: ['tensor', 'tensor'], lessEqual: ['tensor', 'tensor'],
  greater: ['tensor', 'tensor'], greaterEqual: ['tensor', 'tensor'], logicalAnd: ['bool-tensor', 'bool-tensor'],
  logicalOr: ['bool-tensor', 'bool-tensor'], logicalXor: ['bool-tensor', 'bool-tensor'],
  where: ['bool-tensor', 'tensor', 'tensor'], cast: ['tensor', 'dtype'],
  // creation
  tensor: ['data', 'shape', 'dtype'], scalar: ['number', 'dtype'], fill: ['shape', 'number', 'dtype'],
  zeros: ['shape', 'dtype'], ones: ['shape', 'dtype'], zerosLike: ['tensor'], onesLike: ['tensor'],
  arange: ['number', 'number', 'number', 'dtype'], linspace: ['number', 'number', 'int', 'dtype'],
  eye: ['int', 'int', 'shape', 'dtype'],
  // views
  reshape: ['tensor', 'shape'], transpose: ['tensor', 'ints'], slice: ['tensor', 'ints', 'ints'],
  stridedSlice: ['tensor', 'ints', 'ints', 'ints', 'int', 'int', 'int', 'int', 'int'],
  expandDims: ['tensor', 'axis'], squeeze: ['tensor', 'axes'], flatten: ['tensor'], broadcastTo: ['tensor', 'shape'],
  reverse: ['tensor', 'axes'], split: ['tensor', 'ints', 'axis'], unstack: ['tensor', 'axis'], clone: ['tensor'],
  stopGradient: ['tensor'],
  // reductions
  sum: ['tensor', 'axes', 'bool'], mean: ['tensor', 'axes', 'bool'], prod: ['tensor', 'axes', 'bool'],
  max: ['tensor', 'axes', 'bool'], min: ['tensor', 'axes', 'bool'], logSumExp: ['tensor', 'axes', 'bool'],
  any: ['bool-tensor', 'axes', 'bool'], all: ['bool-tensor', 'axes', 'bool'], argMax: ['tensor', 'axis'],
  argMin: ['tensor', 'axis'], cumsum: ['tensor', 'axis', 'bool', 'bool'], cumprod: ['tensor', 'axis', 'bool', 'bool'],
  softmax: ['tensor', 'axis'], logSoftmax: ['tensor', 'axis'],
  // layout
  concat: ['tensors', 'axis'], stack: ['tensors', 'axis'], pad: ['tensor', 'paddings', 'number'], tile: ['tensor', 'ints'],
  // indexing
  gather: ['tensor', 'int-tensor', 'axis', 'int'], gatherND: ['tensor', 'int-tensor'],
  scatterAdd: ['tensor', 'int-tensor', 'tensor', 'axis'], oneHot: ['int-tensor', 'int', 'number', 'number', 'dtype'],
  // matmul (issue 3): entries go here
  matMul: ['tensor', 'tensor', 'bool', 'bool'], dot: ['tensor', 'tensor'], outer: ['tensor', 'tensor'],

  // linear algebra (issue 3): entries go here
  cholesky: ['tensor', 'bool'], logDet: ['tensor', 'bool'], triangularSolve: ['tensor', 'tensor', 'bool', 'bool'],
  choleskySolve: ['tensor', 'tensor'], choleskyInverse: ['tensor'], logMatrixDeterminant: ['tensor'], slogdet: ['tensor'],
  matrixDiag: ['tensor'], matrixDiagPart: ['tensor'], matrixSetDiag: ['tensor', 'tensor'], bandPart: ['tensor', 'int', 'int'],
  matrixTranspose: ['tensor', 'bool'],

  // special functions (issue 3): entries go here
  lgamma: ['tensor'], digamma: ['tensor'], erf: ['tensor'], erfc: ['tensor'], erfinv: ['tensor'], ndtri: ['tensor'],
  log1mexp: ['tensor'], log1pexp: ['tensor'], besselI0e: ['tensor'], besselI1e: ['tensor'],
  betaln: ['tensor', 'tensor'], igamma: ['tensor', 'tensor'], igammac: ['tensor', 'tensor'], xlogy: ['tensor', 'tensor'],
  xlog1py: ['tensor', 'tensor'], betainc: ['tensor', 'tensor', 'tensor'],
  // fused binary cross-entropy (issue 8)
  sigmoidCrossEntropyWithLogits: ['tensor', 'tensor'], binaryLogLikelihoodWithLogits: ['tensor', 'tensor', 'tensor'],

  // random numbers (issue 3): entries go here
  // (seeds are 'number's: a seeded draw is deterministic; shapes stay small in the fuzz)
  randomUniform: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  randomNormal: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  truncatedNormal: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  randomGamma: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  randomBeta: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  randomExponential: ['shape', 'tensor', 'dtype', 'number'],
  randomPoisson: ['shape', 'tensor', 'dtype', 'number'],
  randomBinomial: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  randomBernoulli: ['shape', 'tensor', 'dtype', 'number'],
  randomMultinomial: ['shape', 'tensor', 'tensor', 'dtype', 'number'],
  multinomial: ['tensor', 'int', 'number', 'bool'],
};

/** Exports that are not tensor ops (runtime controls, memory management, classes). */
export const notOps = new Set([
  'Tensor', 'tidy', 'keep', 'dispose', 'opTable', 'getNumThreads', 'setNumThreads', 'memory', 'emptyCache',
  'setSeed',  // random numbers: seeds the global generator, returns nothing
  'blasInfo', 'setBlas',
  // devices (CUDA issue): they select and list devices, not tensor ops
  'devices', 'getDevice', 'setDevice', 'withDevice', 'synchronize', 'cudaUnavailableReason',
  // transformations (autodiff issue): they take functions, not tensors
  'grad', 'valueAndGrad', 'vjp', 'vmap', 'jit',
  'tensorValue',  // the symbol by which objects act as tensors
  'distributions', 'bijectors',  // namespaces of classes
  // random variables and tracing (issue 6): classes, tracers and program transformations
  'RandomVariable', 'trace', 'traceable', 'randomVariableConstructor', 'tape', 'condition', 'substitute',
  'makeLogJointFn', 'intervene', 'seed', 'block', 'scale', 'predictive',
  // inference (issue 7)
  'mcmc', 'Fit', 'summary', 'saveFit', 'fitToJSON', 'effectiveSampleSize', 'bulkEss', 'tailEss',
  'potentialScaleReduction', 'rhat', 'mcseMean',
  // files (issue 8): they take paths
  'loadNpy', 'loadNpySync', 'saveNpy', 'saveNpySync',
  // random-variable constructors, one per distribution family (they take an object, not tensors)
  ...Object.keys(families),
]);
