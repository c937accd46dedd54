import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as rv from '../lib/index';
import { notOps, signatures } from './fuzz/signatures';

describe('fuzzing every op with random, often invalid, arguments', () => {
  it('lists every exported function in the fuzz signatures', () => {
    const missing = Object.keys(rv).filter((k) => typeof (rv as Record<string, unknown>)[k] === 'function' && !notOps.has(k) && !(k in signatures));
    assert.deepEqual(missing, [], 'exports without a fuzz signature');
  });

  for (const seed of [1, 2, 3]) {
    it(`survives thousands of calls, each succeeding or throwing an Error that names the op (seed ${seed})`, () => {
      const runner = path.join(__dirname, 'fuzz', 'run.ts');
      const child = spawnSync(process.execPath, ['--import', 'tsx', runner, String(seed), '100'], { encoding: 'utf8', timeout: 300_000 });
      assert.equal(child.signal, null, `fuzz process killed by ${child.signal}: ${child.stderr}`);
      assert.equal(child.status, 0, `fuzz process exited with ${child.status}: ${child.stderr.slice(-2000)}`);
      const report = JSON.parse(child.stdout.trim().split('\n').pop()!);
      assert.ok(report.calls >= Object.keys(signatures).length * 100);
      assert.ok(report.successes > report.calls * 0.1, `only ${report.successes} of ${report.calls} calls succeeded`);
      assert.deepEqual(report.failures, [], 'calls that threw something other than an Error naming the op');
    });
  }
});
