import { strict as assert } from 'assert';
import * as rv from '../lib/index';

describe('tensor basics', () => {
  it('adds two tensors', () => {
    assert.deepEqual(rv.add([1, 2], [3, 4]).arraySync(), [4, 6]);
  });
});
