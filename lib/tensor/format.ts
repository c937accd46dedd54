/**
 * NumPy-style printing of tensors: NumPy's `repr` with its default print options (precision 8,
 * `floatmode='maxprec'`, line width 75, summaries of more than 1000 elements showing 3 items at
 * each edge), with `tensor(` for `array(`, the dtype always shown, `true`/`false` for booleans
 * and shapes as JS arrays.
 */
import type { DType, TypedArray } from './dtype';

/** Tensors with more elements than this print as a summary of their edges. */
export const threshold = 1000;
/** Items shown at each edge of a summarised axis. */
export const edgeItems = 3;
const lineWidth = 75;
const precision = 8;

/**
 * Formats elements like NumPy's repr.
 *
 * @example
 * formatTensor(new Float32Array([1, 2.5]), [2], 'float32');  // 'tensor([1. , 2.5], dtype=float32)'
 */
export function formatTensor(values: ArrayLike<number>, shape: readonly number[], dtype: DType): string {
  const prefix = 'tensor(';
  const summarize = values.length > threshold;
  let body = '[]';
  if (values.length > 0) {
    const format = elementFormatter(collectShown(values, shape, summarize), dtype, shape.length === 0);
    // The closing ')' must fit on the last line too.
    body = formatArray(values, shape, format, lineWidth - 1, ' '.repeat(prefix.length + 1), summarize);
  }
  const extras: string[] = [];
  const plainEmpty = shape.length === 1 && shape[0] === 0;
  if ((values.length === 0 && !plainEmpty) || summarize) extras.push(`shape=[${shape.join(', ')}]`);
  extras.push(`dtype=${dtype}`);
  const head = `${prefix}${body},`;
  const tail = `${extras.join(', ')})`;
  const lastLine = head.length - (head.lastIndexOf('\n') + 1);
  const spacer = lastLine + tail.length + 1 > lineWidth ? '\n' + ' '.repeat(prefix.length) : ' ';
  return head + spacer + tail;
}

function rowMajorStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

/** Indices shown along an axis of length n: all, or the edges around a summary (-1). */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * edgeItems) {
    return [...Array.from({ length: edgeItems }, (_, i) => i), -1, ...Array.from({ length: edgeItems }, (_, i) => n - edgeItems + i)];
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** The elements that will be printed: they alone decide the number format, as in NumPy. */
function collectShown(values: ArrayLike<number>, shape: readonly number[], summarize: boolean): number[] {
  const strides = rowMajorStrides(shape);
  const out: number[] = [];
  const walk = (axis: number, start: number): void => {
    if (axis === shape.length) {
      out.push(values[start]);
      return;
    }
    for (const i of shownIndices(shape[axis], summarize)) if (i >= 0) walk(axis + 1, start + i * strides[axis]);
  };
  walk(0, 0);
  return out;
}

/** NumPy's _extendLine: appends a word, wrapping to a new line past the width. */
function extendLine(s: string, line: string, word: string, width: number, nextLinePrefix: string): [string, string] {
  const needsWrap = line.length + word.length > width && line.length > nextLinePrefix.length;
  if (needsWrap) {
    s += line.trimEnd() + '\n';
    line = nextLinePrefix;
  }
  return [s, line + word];
}

/** NumPy's _formatArray: nested brackets, rows wrapped at the line width, `...` for summaries. */
function formatArray(values: ArrayLike<number>, shape: readonly number[], format: (v: number) => string, width: number,
  linePrefix: string, summarize: boolean): string {
  const strides = rowMajorStrides(shape);
  const recurse = (axis: number, start: number, hanging: string, currWidth: number): string => {
    if (axis === shape.length) return format(values[start]);
    const nextHanging = hanging + ' ';
    const nextWidth = currWidth - 1;  // room for ']'
    const indices = shownIndices(shape[axis], summarize);
    const item = (i: number) => recurse(axis + 1, start + i * strides[axis], nextHanging, nextWidth);
    let s = '';
    if (axis === shape.length - 1) {
      const elementWidth = currWidth - 1;  // room for ',' or ']'
      let line = hanging;
      indices.forEach((i, k) => {
        [s, line] = extendLine(s, line, i < 0 ? '...' : item(i), elementWidth, hanging);
        if (k < indices.length - 1) line += ', ';
      });
      s += line;
    } else {
      const separator = ',' + '\n'.repeat(shape.length - axis - 1);
      s = indices.map((i) => hanging + (i < 0 ? '...' : item(i))).join(separator);
    }
    return '[' + s.slice(hanging.length) + ']';
  };
  return recurse(0, 0, linePrefix, width);
}

function elementFormatter(shown: number[], dtype: DType, scalar: boolean): (v: number) => string {
  if (dtype === 'bool') {
    const trueString = scalar ? 'true' : ' true';
    return (v) => (v ? trueString : 'false');
  }
  if (dtype === 'int32') {
    const width = shown.reduce((w, v) => Math.max(w, String(v).length), 0);
    return (v) => String(v).padStart(width);
  }
  return floatFormatter(shown, dtype);
}

/** The shortest decimal digits that read back as `v` in `dtype`, as toExponential gives them. */
function shortestExponential(v: number, dtype: DType): string {
  if (dtype !== 'float32') return v.toExponential();
  for (let digits = 1; digits < 9; digits++) {
    const s = v.toExponential(digits - 1);
    if (Math.fround(Number(s)) === v) return s;
  }
  return v.toExponential(8);
}

/**
 * `v.toExponential(digits)` (or `toFixed`), but exact ties round to even, as NumPy's Dragon4
 * does ("unbiased"); JS rounds them up. v >= 0.
 */
function roundHalfEven(v: number, digits: number, fixed: boolean): string {
  const rounded = fixed ? v.toFixed(digits) : v.toExponential(digits);
  const long = fixed ? v.toFixed(Math.min(100, digits + 40)) : v.toExponential(Math.min(100, digits + 40));
  const [mantissa, exp] = long.split('e');
  const point = mantissa.indexOf('.');
  const keep = fixed ? point + 1 + digits : digits + 2;  // characters kept, '.' included
  const tail = mantissa.slice(keep);
  if (!/^50*$/.test(tail)) return rounded;
  const kept = mantissa.slice(0, keep).replace(/\.$/, '');
  const lastDigit = Number(kept[kept.length - 1]);
  if (lastDigit % 2 === 1) return rounded;  // rounding up lands on even: JS got it right
  return exp === undefined ? kept : `${kept}e${exp}`;
}

interface Parts { sign: string; int: string; frac: string; exp: string }

/** Positional digits, unique but at most `precision` after the point (NumPy's dragon4_positional). */
function positional(v: number, dtype: DType): Parts {
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const [mantissa, e] = shortestExponential(Math.abs(v), dtype).split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(e);
  let int: string;
  let frac: string;
  if (exponent >= 0) {
    const padded = digits.padEnd(exponent + 1, '0');
    int = padded.slice(0, exponent + 1);
    frac = padded.slice(exponent + 1);
  } else {
    int = '0';
    frac = '0'.repeat(-exponent - 1) + digits;
  }
  if (frac.length > precision) [int, frac] = roundHalfEven(Math.abs(v), precision, true).split('.');
  return { sign, int, frac: frac.replace(/0+$/, ''), exp: '' };
}

/** Scientific digits, unique but at most `precision` after the point (NumPy's dragon4_scientific). */
function scientific(v: number, dtype: DType): Parts {
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  let s = shortestExponential(Math.abs(v), dtype);
  let [mantissa, exp] = s.split('e');
  if (mantissa.replace('.', '').length > precision + 1) {
    s = roundHalfEven(Math.abs(v), precision, false);
    [mantissa, exp] = s.split('e');
  }
  const [int, frac = ''] = mantissa.split('.');
  return { sign, int, frac: frac.replace(/0+$/, ''), exp };
}

/** NumPy's FloatingFormat: one layout for every element, decided by the finite ones. */
function floatFormatter(shown: number[], dtype: DType): (v: number) => string {
  const finite = shown.filter((v) => Number.isFinite(v));
  const nonZero = finite.filter((v) => v !== 0).map(Math.abs);
  let useExp = false;
  if (nonZero.length > 0) {
    const max = nonZero.reduce((m, v) => Math.max(m, v), 0);
    const min = nonZero.reduce((m, v) => Math.min(m, v), Infinity);
    useExp = max >= 1e8 || min < 1e-4 || max / min > 1e3;
  }
  let padLeft = 0;
  let padRight = 0;
  let fracDigits = 0;
  let expDigits = 2;
  if (finite.length > 0) {
    const parts = finite.map((v) => (useExp ? scientific(v, dtype) : positional(v, dtype)));
    padLeft = parts.reduce((m, p) => Math.max(m, p.sign.length + p.int.length), 0);
    fracDigits = parts.reduce((m, p) => Math.max(m, p.frac.length), 0);
    if (useExp) {
      expDigits = parts.reduce((m, p) => Math.max(m, p.exp.length - 1), 2);
      padRight = expDigits + 2 + fracDigits;
    } else {
      padRight = fracDigits;
    }
  }
  if (finite.length < shown.length) {
    const negInf = shown.some((v) => v === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  return (v) => {
    if (!Number.isFinite(v)) {
      const word = Number.isNaN(v) ? 'nan' : v < 0 ? '-inf' : 'inf';
      return word.padStart(padLeft + padRight + 1);
    }
    if (useExp) {
      let p = scientific(v, dtype);
      // Every mantissa gets fracDigits digits: those past the unique ones are the value's own (rounded).
      if (p.frac.length < fracDigits) {
        const [mantissa, exp] = roundHalfEven(Math.abs(v), fracDigits, false).split('e');
        const [int, frac] = mantissa.split('.');
        p = { sign: p.sign, int, frac, exp };
      }
      const exponent = p.exp[0] + p.exp.slice(1).padStart(expDigits, '0');
      return `${(p.sign + p.int).padStart(padLeft)}.${p.frac}e${exponent}`;
    }
    const p = positional(v, dtype);
    return `${(p.sign + p.int).padStart(padLeft)}.${p.frac.padEnd(padRight)}`;
  };
}

/**
 * The elements of a summarised tensor of `shape`, read from `edges`: the tensor cut down to its
 * first and last `edgeItems` along every axis longer than 2·edgeItems (all that a summary
 * prints), addressed by flat index into the full shape.
 */
export function summaryReader(edges: ArrayLike<number>, shape: readonly number[]): ArrayLike<number> {
  const cut = shape.map((d) => (d > 2 * edgeItems ? 2 * edgeItems : d));
  const fullStrides = rowMajorStrides(shape);
  const cutStrides = rowMajorStrides(cut);
  const size = shape.reduce((a, b) => a * b, 1);
  return new Proxy({ length: size } as ArrayLike<number>, {
    get(target, key) {
      if (typeof key !== 'string' || key === 'length') return Reflect.get(target, key);
      let flat = Number(key);
      let at = 0;
      for (let d = 0; d < shape.length; d++) {
        const i = Math.floor(flat / fullStrides[d]);
        flat -= i * fullStrides[d];
        at += (cut[d] < shape[d] && i >= edgeItems ? i - (shape[d] - cut[d]) : i) * cutStrides[d];
      }
      return edges[at];
    },
  });
}
