/**
 * NumPy's .npy format: one array per file, a short text header and then the raw elements.
 * The format (versions 1.0, 2.0 and 3.0) is described at
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 *
 * The elements never pass through JS one by one: the file is read into a Buffer, a typed-array
 * view of its data bytes is handed to the tensor (one native copy), and saving writes the bytes
 * of `dataSync()` as they are.
 */
import * as fs from 'fs';
import type { TensorSource } from '../tensor/convert';
import { resolveSource } from '../tensor/convert';
import type { DType, TypedArray } from '../tensor/dtype';
import { tensor } from '../tensor/ops/creation';
import { transpose } from '../tensor/ops/view';
import { sizeOf } from '../tensor/shape';
import { Tensor } from '../tensor/tensor';

const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);  // "\x93NUMPY"

/** The element types randvar reads, by NumPy type code without the byte-order character. */
const readableTypes: Record<string, { dtype: DType; itemsize: number }> = {
  f4: { dtype: 'float32', itemsize: 4 },
  f8: { dtype: 'float64', itemsize: 8 },
  i4: { dtype: 'int32', itemsize: 4 },
  b1: { dtype: 'bool', itemsize: 1 },
  u1: { dtype: 'bool', itemsize: 1 },  // 0/1 bytes, as arrays of labels are often stored
};

/** The type code each dtype is written with (little-endian, as NumPy writes on x86 and ARM). */
const writtenTypes: Record<DType, string> = { float32: '<f4', float64: '<f8', int32: '<i4', bool: '|b1' };

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Where the elements start, in bytes from the start of the file. */
  dataOffset: number;
}

/**
 * Reads a .npy file into a tensor: float32 (`<f4`), float64 (`<f8`), int32 (`<i4`) and bool
 * (`|b1`, or `|u1` holding only 0 and 1). Big-endian files are byte-swapped; Fortran-order
 * files come back as a transposed view, so the tensor's elements are where NumPy has them.
 *
 * @example
 * const X = await rv.loadNpy('covtype_X.npy');   // e.g. a float32 Tensor [581012, 55]
 */
export async function loadNpy(path: string): Promise<Tensor> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(path);
  } catch (error) {
    throw new Error(`loadNpy: cannot read ${path}: ${(error as Error).message}`);
  }
  return tensorFromNpy(bytes, `loadNpy: ${path}`);
}

/**
 * `loadNpy`, synchronously.
 *
 * @example
 * const y = rv.loadNpySync('labels.npy');
 */
export function loadNpySync(path: string): Tensor {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path);
  } catch (error) {
    throw new Error(`loadNpySync: cannot read ${path}: ${(error as Error).message}`);
  }
  return tensorFromNpy(bytes, `loadNpySync: ${path}`);
}

/**
 * Writes a tensor as a .npy file (format 1.0, C order, little-endian) that `numpy.load` reads:
 * float32 as `<f4`, float64 as `<f8`, int32 as `<i4`, bool as `|b1`.
 *
 * @example
 * await rv.saveNpy('draws.npy', fit.draws as rv.Tensor);
 */
export async function saveNpy(path: string, value: Tensor | TensorSource): Promise<void> {
  const { header, data } = npyParts(value, 'saveNpy');
  // Two writes rather than one concatenated Buffer: no second copy of a large array in memory.
  await fs.promises.writeFile(path, header);
  await fs.promises.appendFile(path, data);
}

/**
 * `saveNpy`, synchronously.
 *
 * @example
 * rv.saveNpySync('x.npy', rv.tensor([[1, 2], [3, 4]]));
 */
export function saveNpySync(path: string, value: Tensor | TensorSource): void {
  const { header, data } = npyParts(value, 'saveNpySync');
  fs.writeFileSync(path, header);
  fs.appendFileSync(path, data);
}

/** The header and the element bytes of a .npy file holding `value`. */
function npyParts(value: Tensor | TensorSource, owner: string): { header: Buffer; data: Buffer } {
  const t = resolveSource(value);
  if (!(t instanceof Tensor)) throw new Error(`${owner}: expected a Tensor, got ${t === null ? 'null' : typeof t}`);
  // dataSync gives the elements in row-major order whatever the tensor's strides.
  const elements: TypedArray = t.dataSync();
  const data = Buffer.from(elements.buffer, elements.byteOffset, elements.byteLength);
  return { header: npyHeader(writtenTypes[t.dtype], t.shape), data };
}

/** The bytes of a .npy header: magic, version, length, then the dict padded to a multiple of 64. */
function npyHeader(descr: string, shape: readonly number[]): Buffer {
  // Python's tuple syntax: (), (5,), (2, 3).
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0 stores the header length in 2 bytes; 2.0 in 4, for (very) long headers.
  let lengthBytes = 2;
  let total = paddedTo64(magic.length + 2 + lengthBytes + dict.length + 1);
  if (total - magic.length - 2 - lengthBytes > 0xffff) {
    lengthBytes = 4;
    total = paddedTo64(magic.length + 2 + lengthBytes + dict.length + 1);
  }
  const prefix = magic.length + 2 + lengthBytes;
  const header = Buffer.alloc(total, 0x20);  // spaces pad the dict
  magic.copy(header, 0);
  header[6] = lengthBytes === 2 ? 1 : 2;
  header[7] = 0;
  if (lengthBytes === 2) header.writeUInt16LE(total - prefix, 8);
  else header.writeUInt32LE(total - prefix, 8);
  header.write(dict, prefix, 'latin1');
  header[total - 1] = 0x0a;  // the header ends with a newline
  return header;
}

// NumPy pads headers so the data start at a multiple of 64 bytes, which aligns every element type.
function paddedTo64(n: number): number {
  return Math.ceil(n / 64) * 64;
}

/** The tensor a .npy file's bytes hold. */
function tensorFromNpy(bytes: Buffer, owner: string): Tensor {
  const header = parseHeader(bytes, owner);
  const { dtype, itemsize, swap, check01 } = elementType(header.descr, owner);
  const count = sizeOf(header.shape);
  const expected = count * itemsize;
  const available = bytes.length - header.dataOffset;
  if (available !== expected) {
    throw new Error(`${owner}: the data are ${available} bytes, but shape (${header.shape.join(', ')}) of ${header.descr} needs ${expected}${available < expected ? ' (truncated file?)' : ''}`);
  }
  let data = bytes.subarray(header.dataOffset, header.dataOffset + expected);
  // A typed-array view needs its start aligned to the element size; copy (natively) if it is not.
  if (data.byteOffset % itemsize !== 0) {
    const aligned = new Uint8Array(data);
    data = Buffer.from(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  }
  if (swap && itemsize === 4) data.swap32();
  if (swap && itemsize === 8) data.swap64();
  if (check01) requireZerosAndOnes(data, owner);
  const elements = typedView(dtype, data, count);
  // Fortran order is C order of the reversed shape; reversing the axes back is a view, not a copy.
  if (!header.fortranOrder || header.shape.length < 2) return tensor(elements, header.shape, dtype);
  const reversed = tensor(elements, [...header.shape].reverse(), dtype);
  const view = transpose(reversed);
  reversed.dispose();  // the view keeps the storage alive
  return view;
}

function typedView(dtype: DType, data: Buffer, count: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(data.buffer, data.byteOffset, count);
    case 'float64': return new Float64Array(data.buffer, data.byteOffset, count);
    case 'int32': return new Int32Array(data.buffer, data.byteOffset, count);
    case 'bool': return new Uint8Array(data.buffer, data.byteOffset, count);
  }
}

/** Reads the magic string, version, header length and header dict. */
function parseHeader(bytes: Buffer, owner: string): NpyHeader {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(magic)) {
    throw new Error(`${owner}: not a .npy file (it does not start with the magic string \\x93NUMPY)`);
  }
  const major = bytes[6];
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new Error(`${owner}: .npy format version ${major}.${bytes[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  }
  // 1.0 keeps the header length in 2 bytes, 2.0 and 3.0 in 4; 3.0 allows UTF-8 in the header.
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lengthBytes) throw new Error(`${owner}: the file ends inside the header`);
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const dataOffset = 8 + lengthBytes + headerLength;
  if (bytes.length < dataOffset) throw new Error(`${owner}: the file ends inside the header`);
  const text = bytes.toString(major === 3 ? 'utf8' : 'latin1', 8 + lengthBytes, dataOffset);
  return { ...parseDict(text, owner), dataOffset };
}

/** The three keys of the header, a Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }. */
function parseDict(text: string, owner: string): Omit<NpyHeader, 'dataOffset'> {
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (descr === null) {
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new Error(`${owner}: structured dtypes (a list as descr) are not supported`);
    throw new Error(`${owner}: the header has no 'descr': ${text.trim()}`);
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (fortran === null) throw new Error(`${owner}: the header has no 'fortran_order': ${text.trim()}`);
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (shape === null) throw new Error(`${owner}: the header has no 'shape': ${text.trim()}`);
  const dims = shape[1].split(',').map((d) => d.trim()).filter((d) => d !== '');
  // Python 2 wrote long integers with a trailing L.
  if (dims.some((d) => !/^\d+L?$/.test(d))) throw new Error(`${owner}: bad shape (${shape[1]}) in the header`);
  return { descr: descr[1], fortranOrder: fortran[1] === 'True', shape: dims.map((d) => parseInt(d, 10)) };
}

/** The dtype and byte handling of a type code such as '<f4', '>f8' or '|b1'. */
function elementType(descr: string, owner: string): { dtype: DType; itemsize: number; swap: boolean; check01: boolean } {
  const parts = /^([<>|=]?)([a-zA-Z]\d+)$/.exec(descr);
  const type = parts === null ? undefined : readableTypes[parts[2]];
  if (parts === null || type === undefined) {
    throw new Error(`${owner}: dtype '${descr}' is not supported (float32 '<f4', float64 '<f8', int32 '<i4', bool '|b1' or '|u1' are)`);
  }
  // '=' (native order) is never written by NumPy into files; read it as this (little-endian) machine's order.
  return { ...type, swap: parts[1] === '>' && type.itemsize > 1, check01: parts[2] === 'u1' };
}

/** uint8 data become bool only when they are labels: any other byte value is an error, not a silent true. */
function requireZerosAndOnes(data: Uint8Array, owner: string): void {
  for (let i = 0; i < data.length; i++) {
    if (data[i] > 1) throw new Error(`${owner}: uint8 data are read as bool and must be 0 or 1, but element ${i} is ${data[i]}`);
  }
}
