/**
 * The .npy reader and writer (lib/io/npy.ts): round trips of every dtype and of scalar and empty
 * shapes, files laid out as NumPy writes them (built here byte by byte from the format's
 * documentation, and a few copied verbatim from NumPy), and the errors for what it cannot read.
 */
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as rv from '../lib/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'randvar-npy-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const tempFile = () => path.join(dir, `a${fileCount++}.npy`);

/**
 * A .npy file as the format documentation describes it: "\x93NUMPY", major and minor version,
 * the header length (2 bytes little-endian in 1.0, 4 in 2.0 and 3.0), the header dict padded
 * with spaces and ended by a newline so the data start at a multiple of `align`, then the data.
 */
function npyFile(dict: string, data: Buffer, { major = 1, align = 64 } = {}): Buffer {
  const lengthBytes = major === 1 ? 2 : 4;
  const dictBytes = Buffer.from(dict, major === 3 ? 'utf8' : 'latin1');
  const unpadded = 6 + 2 + lengthBytes + dictBytes.length + 1;
  const total = Math.ceil(unpadded / align) * align;
  const prefix = Buffer.alloc(8 + lengthBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(prefix);
  if (major === 1) prefix.writeUInt16LE(total - prefix.length, 8);
  else prefix.writeUInt32LE(total - prefix.length, 8);
  const padding = Buffer.alloc(total - unpadded, 0x20);
  return Buffer.concat([prefix, dictBytes, padding, Buffer.from('\n'), data]);
}

function loadBytes(bytes: Buffer): rv.Tensor {
  const file = tempFile();
  fs.writeFileSync(file, bytes);
  return rv.loadNpySync(file);
}

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const i32 = (values: number[]) => Buffer.from(new Int32Array(values).buffer);

describe('npy: round trips', () => {
  const shapes = [[], [0], [5], [2, 3], [2, 0, 3], [2, 3, 4]];
  const dtypes: rv.DType[] = ['float32', 'float64', 'int32', 'bool'];

  for (const dtype of dtypes) {
    it(`${dtype} tensors of every shape (scalar and empty included) come back equal, sync and async`, async () => {
      for (const shape of shapes) {
        const size = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : (i - 7) * 1.25));
        const original = rv.tensor(values, shape, dtype);
        const file = tempFile();
        rv.saveNpySync(file, original);
        const sync = rv.loadNpySync(file);
        await rv.saveNpy(file, original);
        const loaded = await rv.loadNpy(file);
        for (const back of [sync, loaded]) {
          assert.equal(back.dtype, dtype);
          assert.deepEqual(back.shape, shape);
          assert.deepEqual(back.arraySync(), original.arraySync());
        }
        rv.dispose([original, sync, loaded]);
      }
    });
  }

  it('keeps NaN, infinities, -0 and the int32 extremes bit for bit', () => {
    const floats = rv.tensor([NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38], [6], 'float32');
    const doubles = rv.tensor([NaN, -0, 5e-324, 1.7976931348623157e308], [4], 'float64');
    const ints = rv.tensor(new Int32Array([-2147483648, 2147483647, 0, -1]));
    for (const t of [floats, doubles, ints]) {
      const file = tempFile();
      rv.saveNpySync(file, t);
      const back = rv.loadNpySync(file);
      assert.deepEqual(Buffer.from(back.dataSync().buffer), Buffer.from(t.dataSync().buffer));
    }
  });

  it('writes a non-contiguous view in row-major order of its shape', () => {
    const t = rv.arange(6, undefined, 1, 'int32').reshape([2, 3]).transpose();
    const file = tempFile();
    rv.saveNpySync(file, t);
    assert.deepEqual(rv.loadNpySync(file).arraySync(), [[0, 3], [1, 4], [2, 5]]);
  });

  it('saves the value of a random variable', () => {
    const x = rv.Normal({ loc: 0, scale: 1, sampleShape: [3], name: 'x', seed: 1 });
    const file = tempFile();
    rv.saveNpySync(file, x);
    assert.deepEqual(rv.loadNpySync(file).arraySync(), x.value.arraySync());
  });
});

describe('npy: the files it writes', () => {
  it('have a version 1.0 header with the dict NumPy writes, and data starting at a multiple of 64 bytes', () => {
    const file = tempFile();
    rv.saveNpySync(file, rv.zeros([2, 3], 'float32'));
    const bytes = fs.readFileSync(file);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    const headerLength = bytes.readUInt16LE(8);
    const dataOffset = 10 + headerLength;
    assert.equal(dataOffset % 64, 0);
    assert.equal(bytes.length, dataOffset + 24);
    const dict = bytes.toString('latin1', 10, dataOffset);
    assert.match(dict, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3\), \} *\n$/);
  });

  it('write shapes as Python tuples: (), (5,), (0, 3)', () => {
    const cases: [number[], string][] = [[[], '()'], [[5], '(5,)'], [[0, 3], '(0, 3)']];
    for (const [shape, text] of cases) {
      const file = tempFile();
      rv.saveNpySync(file, rv.zeros(shape, 'float64'));
      assert.ok(fs.readFileSync(file).toString('latin1').includes(`'shape': ${text}, }`));
    }
  });

  it('write the type codes <f4, <f8, <i4 and |b1', () => {
    const cases: [rv.DType, string][] = [['float32', '<f4'], ['float64', '<f8'], ['int32', '<i4'], ['bool', '|b1']];
    for (const [dtype, code] of cases) {
      const file = tempFile();
      rv.saveNpySync(file, rv.zeros([1], dtype));
      assert.ok(fs.readFileSync(file).toString('latin1').includes(`'descr': '${code}'`));
    }
  });
});

describe('npy: files laid out as NumPy writes them', () => {
  it('reads a float32 matrix (format 1.0)', () => {
    const t = loadBytes(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", f32([0, 1, 2, 3, 4, 5])));
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.arraySync(), [[0, 1, 2], [3, 4, 5]]);
  });

  it('reads format 2.0 (4-byte header length) and 3.0 (UTF-8 header)', () => {
    const dict = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
    assert.deepEqual(loadBytes(npyFile(dict, i32([7, 8, 9]), { major: 2 })).arraySync(), [7, 8, 9]);
    assert.deepEqual(loadBytes(npyFile(dict, i32([7, 8, 9]), { major: 3 })).arraySync(), [7, 8, 9]);
  });

  it('reads headers padded to 16 bytes (older NumPy) and keys in any order', () => {
    const dict = "{'shape': (2,), 'fortran_order': False, 'descr': '<f8', }";
    const data = Buffer.from(new Float64Array([1.5, -2.5]).buffer);
    assert.deepEqual(loadBytes(npyFile(dict, data, { align: 16 })).arraySync(), [1.5, -2.5]);
  });

  it('reads a scalar (shape ()) and an empty array (shape (0, 3))', () => {
    const scalar = loadBytes(npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (), }", Buffer.from(new Float64Array([7.5]).buffer)));
    assert.deepEqual(scalar.shape, []);
    assert.equal(scalar.arraySync(), 7.5);
    const empty = loadBytes(npyFile("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", Buffer.alloc(0)));
    assert.deepEqual(empty.shape, [0, 3]);
    assert.equal(empty.size, 0);
  });

  it('reads Fortran order as the same matrix (column-major bytes, transposed view)', () => {
    // [[0, 1, 2], [3, 4, 5]] stored column by column.
    const t = loadBytes(npyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }", i32([0, 3, 1, 4, 2, 5])));
    assert.deepEqual(t.shape, [2, 3]);
    assert.deepEqual(t.arraySync(), [[0, 1, 2], [3, 4, 5]]);
    const cube = loadBytes(npyFile("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 1, 2), }", i32([0, 2, 1, 3])));
    assert.deepEqual(cube.arraySync(), [[[0, 1]], [[2, 3]]]);
  });

  it('byte-swaps big-endian float32, float64 and int32', () => {
    const be32 = Buffer.alloc(8);
    be32.writeFloatBE(1.5, 0);
    be32.writeFloatBE(-3, 4);
    assert.deepEqual(loadBytes(npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", be32)).arraySync(), [1.5, -3]);
    const be64 = Buffer.alloc(16);
    be64.writeDoubleBE(0.1, 0);
    be64.writeDoubleBE(-1e300, 8);
    assert.deepEqual(loadBytes(npyFile("{'descr': '>f8', 'fortran_order': False, 'shape': (2,), }", be64)).arraySync(), [0.1, -1e300]);
    const bei = Buffer.alloc(8);
    bei.writeInt32BE(-2, 0);
    bei.writeInt32BE(65536, 4);
    assert.deepEqual(loadBytes(npyFile("{'descr': '>i4', 'fortran_order': False, 'shape': (2,), }", bei)).arraySync(), [-2, 65536]);
  });

  it('reads |b1 and |u1 (0/1 bytes) as bool', () => {
    const dict = (code: string) => `{'descr': '${code}', 'fortran_order': False, 'shape': (3,), }`;
    for (const code of ['|b1', '|u1']) {
      const t = loadBytes(npyFile(dict(code), Buffer.from([1, 0, 1])));
      assert.equal(t.dtype, 'bool');
      assert.deepEqual(t.arraySync(), [true, false, true]);
    }
  });

  it('reads files exactly as NumPy 2.4 wrote them (np.save, copied byte for byte)', () => {
    // np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)): NumPy 2 pads the header to 128 bytes.
    const matrix = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=';
    assert.deepEqual(loadBytes(Buffer.from(matrix, 'base64')).arraySync(), [[0, 1, 2], [3, 4, 5]]);
    // np.save(f, np.array([[1.5, -2], [3, 4]], dtype='>f8'))
    const bigEndian = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/+AAAAAAAAMAAAAAAAAAAQAgAAAAAAABAEAAAAAAAAA==';
    assert.deepEqual(loadBytes(Buffer.from(bigEndian, 'base64')).arraySync(), [[1.5, -2], [3, 4]]);
    // np.save(f, np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)))
    const fortran = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAwAAAAEAAAAEAAAAAgAAAAUAAAA=';
    assert.deepEqual(loadBytes(Buffer.from(fortran, 'base64')).arraySync(), [[0, 1, 2], [3, 4, 5]]);
    // np.save(f, np.array([True, False, True]))
    const bools = 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=';
    assert.deepEqual(loadBytes(Buffer.from(bools, 'base64')).arraySync(), [true, false, true]);
  });

  it('reads data that do not start at an aligned offset (header padded to an odd length)', () => {
    // Not what NumPy writes, but the format allows any padding: a copy realigns the bytes.
    const bytes = npyFile("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", Buffer.from(new Float64Array([1, 2]).buffer), { align: 3 });
    assert.equal((10 + bytes.readUInt16LE(8)) % 2, 1);
    assert.deepEqual(loadBytes(bytes).arraySync(), [1, 2]);
  });
});

describe('npy: errors', () => {
  const dict = (code: string) => `{'descr': '${code}', 'fortran_order': False, 'shape': (2,), }`;

  it('a file without the magic string is not a .npy file', () => {
    assert.throws(() => loadBytes(Buffer.from('PK\x03\x04 this is a zip')), /not a \.npy file/);
    assert.throws(() => loadBytes(Buffer.alloc(0)), /not a \.npy file/);
  });

  it('unsupported dtypes are named with the ones that are supported', () => {
    for (const code of ['<i8', '<f2', '<c16', '|S5', '<U3', '|O']) {
      assert.throws(() => loadBytes(npyFile(dict(code), Buffer.alloc(16))), new RegExp(`dtype '\\${code[0]}${code.slice(1)}' is not supported`));
    }
    const structured = "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }";
    assert.throws(() => loadBytes(npyFile(structured, Buffer.alloc(8))), /structured dtypes/);
  });

  it('an unknown format version is an error', () => {
    const bytes = npyFile(dict('<f4'), f32([1, 2]));
    bytes[6] = 4;
    assert.throws(() => loadBytes(bytes), /version 4\.0 is not supported/);
  });

  it('a truncated file or one with extra bytes is an error, not garbage', () => {
    assert.throws(() => loadBytes(npyFile(dict('<f4'), f32([1]))), /data are 4 bytes, but shape \(2\) of <f4 needs 8 \(truncated file\?\)/);
    assert.throws(() => loadBytes(npyFile(dict('<f4'), f32([1, 2, 3]))), /data are 12 bytes/);
    const cut = npyFile(dict('<f4'), f32([1, 2])).subarray(0, 30);
    assert.throws(() => loadBytes(cut), /ends inside the header/);
  });

  it('uint8 data other than 0 and 1 are an error when read as bool', () => {
    assert.throws(() => loadBytes(npyFile(dict('|u1'), Buffer.from([1, 7]))), /must be 0 or 1, but element 1 is 7/);
  });

  it('a missing file names its path', async () => {
    const missing = path.join(dir, 'missing.npy');
    assert.throws(() => rv.loadNpySync(missing), /loadNpySync: cannot read .*missing\.npy/);
    await assert.rejects(rv.loadNpy(missing), /loadNpy: cannot read .*missing\.npy/);
  });

  it('saving something that is not a tensor is an error', () => {
    assert.throws(() => rv.saveNpySync(tempFile(), [1, 2] as unknown as rv.Tensor), /saveNpySync: expected a Tensor, got object/);
  });
});
