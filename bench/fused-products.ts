/**
 * Product fusion on the CPU (native/graph_products.h): one gradient of the logistic-regression log
 * joint at covertype scale (581,012 × 55 float32, as bench:logreg), captured twice in one process,
 * with and without fusedProducts, timed in alternating rounds against one streaming read of X
 * (rv.sum) in the same rounds, so that the machine's noise falls on all three alike.
 *
 * Run: npx tsx bench/fused-products.ts [--rows N] [--rounds R] [--chains C]
 */
import { parseArgs } from 'util';
import { captureGraph, releaseGraph } from '../lib/autodiff/jit';
import { binding, type NativeGraph } from '../lib/backend/binding';
import * as rv from '../lib/index';
import { machine } from './harness';

const { values } = parseArgs({ options: { rows: { type: 'string' }, rounds: { type: 'string' }, chains: { type: 'string' } } });
const rows = Number(values.rows ?? 581_012), rounds = Number(values.rounds ?? 15), chains = Number(values.chains ?? 1), dim = 55;

function model(features: rv.Tensor) {
  const coeffs = rv.Normal({ loc: rv.scalar(0, features.dtype), scale: 1, sampleShape: [features.shape[1]], name: 'coeffs' });
  return rv.Bernoulli({ logits: rv.matMul(features, coeffs), name: 'labels' });
}

/** The captured gradient (vmapped over chains beyond one), with fusedProducts or without. */
function capture(X: rv.Tensor, y: rv.Tensor, products: boolean, init: rv.Tensor): NativeGraph {
  const logJoint = rv.makeLogJointFn(model);
  const single = rv.valueAndGrad((c: rv.Tensor) => logJoint(X, { coeffs: c, labels: y }));
  const gradient = chains > 1 ? rv.vmap(single) : single;
  rv.tidy(() => { gradient(init); });  // once op by op: the labels' support is checked (a read of values) outside the capture
  const make = binding.makeGraph;
  binding.makeGraph = (spec) => make({ ...spec, fuseProducts: products && spec.fuseProducts });
  try {
    const graph = captureGraph(([c]) => {
      const { value, grad } = gradient(c) as { value: rv.Tensor; grad: rv.Tensor };
      return [value, grad];
    }, [init]);
    if (graph === null) throw new Error('the gradient could not be captured');
    return graph;
  } finally {
    binding.makeGraph = make;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function main(): void {
  const X = rv.keep(rv.mul(rv.randomNormal([rows, dim], 0, 1, 'float32', 1), 0.1));
  const y = rv.keep(rv.randomBernoulli([rows], 0.4, 'int32', 2));
  const init = rv.keep(rv.mul(rv.randomNormal(chains > 1 ? [chains, dim] : [dim], 0, 1, 'float32', 3), 0.05));
  console.log(`fusedProducts on the CPU: gradient of the logistic-regression log joint, X [${rows}, ${dim}] float32, ${chains} chain${chains > 1 ? 's (vmap)' : ''}`);
  console.log(`machine: ${machine()}`);
  const graphs = { fused: capture(X, y, true, init), unfused: capture(X, y, false, init) };
  console.log(`steps fused:   ${binding.graphSteps(graphs.fused).filter((k) => k !== 'reshape' && k !== 'slice').join(' ')}`);
  console.log(`steps unfused: ${binding.graphSteps(graphs.unfused).filter((k) => k !== 'reshape').join(' ')}`);
  const time = (fn: () => void) => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const run = (g: NativeGraph) => () => binding.runGraph(g, init.handle()).forEach((h) => binding.dispose(h));
  // Same bits both ways.
  const a = binding.runGraph(graphs.fused, init.handle()).map((h) => Array.from(binding.toData(h) as Float32Array));
  const b = binding.runGraph(graphs.unfused, init.handle()).map((h) => Array.from(binding.toData(h) as Float32Array));
  const same = JSON.stringify(a) === JSON.stringify(b);
  const t = { floor: [] as number[], fused: [] as number[], unfused: [] as number[] };
  for (let r = 0; r < rounds + 2; r++) {
    const floor = time(() => rv.sum(X).dispose()), fused = time(run(graphs.fused)), unfused = time(run(graphs.unfused));
    if (r < 2) continue;  // warm-up
    t.floor.push(floor);
    t.fused.push(fused);
    t.unfused.push(unfused);
  }
  const f = median(t.floor), fu = median(t.fused), un = median(t.unfused);
  console.log(`medians of ${rounds} rounds: floor (rv.sum of X) ${f.toFixed(3)} ms; gradient fused ${fu.toFixed(3)} ms (${(fu / f).toFixed(2)}x floor), unfused ${un.toFixed(3)} ms (${(un / f).toFixed(2)}x floor); unfused / fused ${(un / fu).toFixed(2)}`);
  console.log(`${same ? 'PASS' : 'FAIL'} the same bits with and without fusedProducts`);
  releaseGraph(graphs.fused);
  releaseGraph(graphs.unfused);
}

main();
