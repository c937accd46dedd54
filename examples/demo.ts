/**
 * A short tour of randvar's tensor API (the base that random variables, tracing and
 * inference are built on): creation, broadcasting arithmetic, views, dtypes, tidy.
 *
 * Run: npm run demo
 */
import * as rv from '../lib/index';

console.log(`randvar tensor demo (native threads: ${rv.getNumThreads()})\n`);

const x = rv.tensor([[1, 2, 3], [4, 5, 6]]);
console.log('x =', x.toString());

// Broadcasting and chaining: every op is one native call.
const y = x.sub(rv.tensor([1, 0, -1])).mul(0.5).exp();
console.log('\nexp((x - [1, 0, -1]) * 0.5) =', y.toString());

// Views share storage: transpose, slices and reshape copy nothing.
console.log('\nx.transpose() =', x.transpose().toString());
console.log('x[:, ::-1] =', x.stridedSlice([0, 0], [2, 3], [1, -1], 0b11, 0b11).toString());

// Stable special functions.
console.log('\nsoftplus([-800, 0, 800]) =', rv.softplus([-800, 0, 800]).toString());
console.log('sigmoid([-Infinity, 0, Infinity]) =', rv.sigmoid([-Infinity, 0, Infinity]).toString());

// float64 where statistics need it.
const z = rv.linspace(0, 1, 5, 'float64');
console.log('\nlinspace(0, 1, 5, float64) =', z.toString());
console.log('where(z > 0.5, z, -z) =', rv.where(z.greater(0.5), z, z.neg()).toString());

// tidy frees every intermediate except what it returns. A slice is a view that would keep the
// whole 4 MB buffer alive, so clone the corner we keep.
const before = rv.memory().liveBytes;
const kept = rv.tidy(() => rv.ones([1000, 1000]).mul(2).add(1).slice([0, 0], [2, 2]).clone());
console.log('\ntidy kept', kept.toString(), `(native bytes held: ${rv.memory().liveBytes - before})`);
rv.dispose([x, y, z, kept]);
