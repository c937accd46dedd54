/**
 * A child process for test/errors.test.ts: 200,000 native calls that fail (the fused kernel
 * refusing opcode 99, before any allocation) while tensors are left to the garbage collector.
 * Before failures came back from the addon as values, a collection during Node's rethrow of a
 * call's pending exception ran the tensors' finalizers with the exception still held: a fatal
 * V8 abort. Prints the number of Errors caught.
 */
import { binding } from '../../lib/backend/binding';
import * as rv from '../../lib/index';

const fused = binding.kernels().fused;
let failures = 0;
for (let i = 0; i < 200_000; i++) {
  rv.tensor([1, 2, 3]);
  try {
    binding.run(fused, [3], 0, [1, 1, 99, 0, 0], -1, rv.tensor([1, 2, 3]).handle());
  } catch (e) {
    if (e instanceof Error) failures++;
  }
}
console.log(failures);
