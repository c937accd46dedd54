/**
 * `mocha --require test/device-setup.ts` with RANDVAR_TEST_DEVICE=cuda:0 runs test files with that
 * device as the default: every tensor the tests make (and every op on them) is then on the GPU,
 * and their references (closed forms, float64 JS, finite differences) judge the GPU kernels.
 * bench/gpu-check.sh runs the op test files this way.
 */
import * as rv from '../lib/index';

const device = process.env.RANDVAR_TEST_DEVICE;
if (device !== undefined && device !== '') {
  rv.setDevice(device);
  console.log(`(default device for these tests: ${rv.getDevice()})`);
}
