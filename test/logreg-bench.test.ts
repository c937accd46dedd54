/**
 * The logistic-regression NUTS benchmark (bench/logreg-nuts.ts) runs end to end in quick mode
 * and prints what issue 8 asks for: ms per leapfrog for 1 and 4 chains, the floor and the
 * ratio, threads, dtype and machine, and the correctness checks.
 */
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '..');

describe('bench:logreg --quick', () => {
  let output = '';
  let status: number | null = null;
  before(function () {
    this.timeout(180_000);
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const result = spawnSync(tsx, ['bench/logreg-nuts.ts', '--quick'], { cwd: root, encoding: 'utf8' });
    output = `${result.stdout}${result.stderr}`;
    status = result.status;
  });

  it('exits with status 0', () => {
    assert.equal(status, 0, output);
  });

  it('prints ms per leapfrog for 1 chain and for 4 batched chains, per step and per chain', () => {
    assert.match(output, /\| 1 chain +\| \d+ +\| \d+ +\| [\d.]+ +\| [\d.]+ +\| [\d.]+x/);
    assert.match(output, /\| 4 chains batched, per step of all 4 \|/);
    assert.match(output, /\| 4 chains batched, per chain +\|/);
  });

  it('prints the floor, the ratio, threads, dtype and machine', () => {
    assert.match(output, /floor: one native streaming read of X .*: [\d.]+ ms/);
    assert.match(output, /ms per leapfrog [\d.]+ \(1 chain\), [\d.]+ per chain \(4 batched\); floor [\d.]+ ms; ratio [\d.]+x; threads \d+, dtype float32/);
    assert.match(output, /machine: .*hardware threads/);
  });

  it('takes at least 200 leapfrog steps in the 1-chain run', () => {
    const steps = Number(/\| 1 chain +\| \d+ +\| (\d+)/.exec(output)?.[1]);
    assert.ok(steps >= 200, output);
  });

  it('prints a PASS or FAIL line for each correctness check', () => {
    assert.match(output, /^(PASS|FAIL) posterior mean within 4 MCSE of the Laplace mean/m);
    assert.match(output, /^(PASS|FAIL) R-hat < 1\.01 across the 4 chains/m);
  });
});
