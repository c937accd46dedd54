/** NumPy-style printing of tensors: aligned columns, `...` summaries for large tensors. */
import type { DType, TypedArray } from './dtype';

const summaryThreshold = 1000;
const edgeItems = 3;

/**
 * Formats elements like NumPy's repr: `tensor([[1., 2.], [3., 4.]], dtype=float32)`.
 *
 * @example
 * formatTensor(new Float32Array([1, 2]), [2], 'float32');  // 'tensor([1., 2.], dtype=float32)'
 */
export function formatTensor(values: TypedArray, shape: readonly number[], dtype: DType): string {
  const summarize = values.length > summaryThreshold;
  const shown = collectShown(values, shape, summarize);
  const format = elementFormatter(shown, dtype);
  const width = shown.reduce((w, v) => Math.max(w, format(v).length), 0);
  const prefix = 'tensor(';
  const body = formatAxis(values, shape, 0, 0, summarize, (v) => format(v).padStart(width), prefix.length + 1);
  return `${prefix}${body}, dtype=${dtype})`;
}

function strideOf(shape: readonly number[], axis: number): number {
  let s = 1;
  for (let i = axis + 1; i < shape.length; i++) s *= shape[i];
  return s;
}

function shownIndices(n: number, summarize: boolean): number[] | null {
  if (!summarize || n <= 2 * edgeItems) return null;
  const head = Array.from({ length: edgeItems }, (_, i) => i);
  const tail = Array.from({ length: edgeItems }, (_, i) => n - edgeItems + i);
  return [...head, -1, ...tail];
}

function collectShown(values: TypedArray, shape: readonly number[], summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (axis: number, start: number): void => {
    if (axis === shape.length) {
      out.push(values[start]);
      return;
    }
    const idx = shownIndices(shape[axis], summarize) ?? Array.from({ length: shape[axis] }, (_, i) => i);
    const stride = strideOf(shape, axis);
    for (const i of idx) if (i >= 0) walk(axis + 1, start + i * stride);
  };
  walk(0, 0);
  return out;
}

function formatAxis(values: TypedArray, shape: readonly number[], axis: number, start: number, summarize: boolean,
  format: (v: number) => string, indent: number): string {
  if (axis === shape.length) return format(values[start]);
  const stride = strideOf(shape, axis);
  const idx = shownIndices(shape[axis], summarize) ?? Array.from({ length: shape[axis] }, (_, i) => i);
  const parts = idx.map((i) => (i < 0 ? '...' : formatAxis(values, shape, axis + 1, start + i * stride, summarize, format, indent + 1)));
  const innermost = axis === shape.length - 1;
  const separator = innermost ? ', ' : ',' + '\n'.repeat(shape.length - axis - 1) + ' '.repeat(indent);
  return `[${parts.join(separator)}]`;
}

function elementFormatter(shown: number[], dtype: DType): (v: number) => string {
  if (dtype === 'bool') return (v) => (v ? 'true' : 'false');
  if (dtype === 'int32') return (v) => String(v);
  const finite = shown.filter((v) => Number.isFinite(v));
  const maxAbs = finite.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const minAbs = finite.filter((v) => v !== 0).reduce((m, v) => Math.min(m, Math.abs(v)), Infinity);
  const scientific = maxAbs >= 1e16 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs / minAbs > 1e3 && minAbs < 1e-3);
  const allIntegral = finite.every((v) => Number.isInteger(v));
  const precision = 8;  // NumPy's default: at most 8 fractional digits, fewer when they suffice
  return (v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (scientific) {
      const digits = Math.min(shortestDigits(v, dtype), precision + 1);
      return v.toExponential(digits - 1).replace(/\.?0+e/, 'e').replace(/e([+-])(\d)$/, 'e$10$2');
    }
    if (allIntegral) return `${v}.`;
    const digits = shortestDigits(v, dtype);
    let s = Number(v.toPrecision(digits)).toString();
    const fraction = s.split('.')[1] ?? '';
    if (fraction.length > precision) s = Number(v.toFixed(precision)).toString();
    return s.includes('.') ? s : `${s}.`;
  };
}

/** Fewest significant digits that read back as the same value in `dtype`. */
function shortestDigits(v: number, dtype: DType): number {
  for (let d = 1; d < 17; d++) {
    const back = Number(v.toPrecision(d));
    if (dtype === 'float32' ? Math.fround(back) === v : back === v) return d;
  }
  return 17;
}
