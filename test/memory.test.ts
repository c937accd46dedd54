/**
 * Memory stays bounded over many tensor lifetimes: 1e5 create–dispose cycles, and 1e5 cycles
 * of tensors never disposed (freed by GC finalizers, which native bytes reported to V8 as
 * external memory bring on).
 *
 * The native handles' finalizers run inside garbage collection (basic finalizers, see
 * native/addon.cc), so memory stays bounded even in one long synchronous loop; the first tests
 * also let the event loop turn every 1000 cycles, as programs with I/O, timers or awaits do.
 */
import { strict as assert } from 'assert';
import * as rv from '../lib/index';
import { binding } from '../lib/backend/binding';

const MB = 2 ** 20;
const rss = () => process.memoryUsage().rss;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `cycle` n times, letting the event loop turn every `batch` cycles; returns the peak live bytes. */
async function run(n: number, cycle: () => void, batch = 1000): Promise<number> {
  let peak = 0;
  for (let done = 0; done < n; done += batch) {
    for (let i = 0; i < batch; i++) cycle();
    peak = Math.max(peak, rv.memory().liveBytes);
    await yieldToEventLoop();
  }
  return peak;
}

// A cycle makes two 4 KiB float32 tensors (1024 elements): a leak of either storage would be
// 800 MB over 1e5 cycles, a leak of the native handles alone (about 660 bytes each, measured)
// over 130 MB.
const disposedCycle = () => {
  const t = rv.ones([1024]);
  const u = t.add(1);
  t.dispose();
  u.dispose();
};
const undisposedCycle = () => {
  rv.ones([1024]).add(1);
};

describe('memory', function () {
  this.timeout(60000);

  it('1e5 create–dispose cycles keep the resident set bounded and leave no live bytes', async () => {
    await run(1e4, disposedCycle);  // warm-up: allocator cache, V8 heap, JIT
    const liveStart = rv.memory().liveBytes;
    const rssStart = rss();
    await run(1e5, disposedCycle);
    const growth = rss() - rssStart;
    assert.equal(rv.memory().liveBytes, liveStart, 'every storage freed');
    // Measured growth: under 1 MB. The bound leaves room for V8 heap growth and allocator
    // noise, and still catches a leak of 160 bytes per cycle.
    assert.ok(growth < 16 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB`);
  });

  it('reuses cached blocks: 1e4 cycles of the same sizes reach malloc almost never', async () => {
    await run(100, disposedCycle);
    const before = rv.memory();
    await run(1e4, disposedCycle);
    const after = rv.memory();
    assert.ok(after.cacheMisses - before.cacheMisses <= 2, `${after.cacheMisses - before.cacheMisses} misses`);
    assert.ok(after.cacheHits - before.cacheHits >= 2e4);
  });

  it('gives a freed block only to a request of its own size class: never a smaller block', () => {
    // Classes: multiples of 64 bytes to 1 KiB, then 1, 1.25, 1.5 and 1.75 times a power of two.
    // Sizes at and just past class edges (float64 elements, 8 bytes each).
    const sizes = [1, 8, 9, 127, 128, 129, 160, 161, 192, 193, 224, 225, 256, 257, 4096, 4097, 2 ** 20, 2 ** 20 + 1];
    const classOf = (bytes: number) => {
      if (bytes <= 1024) return Math.ceil(bytes / 64) * 64;
      const quarter = 2 ** Math.floor(Math.log2(bytes)) / 4;
      return Math.ceil(bytes / quarter) * quarter;
    };
    const misses = () => rv.memory('cpu').cacheMisses;
    for (const a of sizes) {
      for (const b of sizes) {
        // Empty the lists of both classes, free one block of a's class, then ask for b.
        const held = [rv.zeros([a], 'float64'), rv.zeros([b], 'float64')];
        rv.emptyCache();
        rv.dispose(held);
        rv.emptyCache();
        const freed = rv.zeros([a], 'float64');
        freed.dispose();
        const before = misses();
        const t = rv.fill([b], 7, 'float64');
        const reused = misses() === before;
        assert.equal(reused, classOf(8 * a) === classOf(8 * b), `${8 * a} then ${8 * b} bytes`);
        assert.ok(t.dataSync().every((v) => v === 7));
        t.dispose();
      }
    }
  });

  it('1e5 cycles of undisposed tensors left to the GC keep the resident set and live bytes bounded', async () => {
    await run(1e4, undisposedCycle);  // warm-up
    const rssStart = rss();
    const peakLive = await run(1e5, undisposedCycle);
    const growth = rss() - rssStart;
    // 1e5 cycles allocate 800 MB in all. V8 collects when reported external memory grows past
    // its limit (64 MB), so the live bytes peak near there; measured: about 21 MB. The bound is
    // twice V8's limit. RSS holds the live bytes plus the allocator's cache of freed blocks of
    // the same sizes, at most the peak again: measured growth under 10 MB.
    assert.ok(peakLive < 128 * MB, `live bytes peaked at ${(peakLive / MB).toFixed(1)} MB`);
    assert.ok(growth < 256 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB`);
  });

  it('undisposed tensors are freed by the GC: live bytes fall back once the event loop turns', async () => {
    const before = rv.memory().liveBytes;
    for (let i = 0; i < 20000; i++) undisposedCycle();  // 160 MB made and dropped
    for (let i = 0; i < 20 && rv.memory().liveBytes > before + 64 * MB; i++) {
      await yieldToEventLoop();
      rv.tidy(() => rv.zeros([1024, 256]));  // allocations (and their reports to V8) prompt collection
    }
    assert.ok(rv.memory().liveBytes < before + 128 * MB, `${((rv.memory().liveBytes - before) / MB).toFixed(1)} MB still live`);
  });

  // The two tests below never yield to the event loop: memory stays bounded only because the
  // native handles' finalizers run inside garbage collection (basic finalizers, native/addon.cc),
  // not from the event loop afterwards.
  it('1e5 create–dispose cycles in one synchronous loop keep the resident set bounded', () => {
    for (let i = 0; i < 1e4; i++) disposedCycle();
    const rssStart = rss();
    for (let i = 0; i < 1e5; i++) disposedCycle();
    const growth = rss() - rssStart;
    assert.ok(growth < 16 * MB, `RSS grew ${(growth / MB).toFixed(1)} MB`);
  });

  it('gives a disposed tensor\'s handle to later results (runInto, fromDataInto), and the tensor stays disposed', () => {
    const a = rv.tensor([1, 2, 3]);
    const disposed = Array.from({ length: 40 }, (_, i) => a.add(i));
    rv.dispose(disposed);
    // Each result below takes one of the handles just freed.
    const later = Array.from({ length: 40 }, (_, i) => i % 2 === 0 ? a.mul(i) : rv.tensor([i, i, i]));
    for (const t of disposed) {
      assert.ok(t.isDisposed);
      assert.throws(() => t.dataSync(), /dataSync: tensor of shape \[3\] is disposed/);
      t.dispose();  // again: harmless, and it must not free the result now in its old handle
    }
    later.forEach((t, i) => assert.deepEqual(Array.from(t.dataSync()), i % 2 === 0 ? [i, 2 * i, 3 * i] : [i, i, i]));
    rv.dispose([a, ...later]);
  });

  it('reuses only disposed handles of its own: runInto and fromDataInto refuse others', () => {
    const live = rv.tensor([1, 2]);
    const add = binding.kernels().add;
    assert.throws(() => binding.runInto(live.handle(), add, [2], 0, null, -1, live.handle(), live.handle()), /runInto: argument 0 is a live tensor, not a disposed one/);
    assert.throws(() => binding.fromDataInto(live.handle(), 0, [1], new Float32Array(1)), /fromDataInto: argument 0 is a live tensor, not a disposed one/);
    for (const other of [{}, 7, null, binding.makeGraph({ numSlots: 1, inputs: [0], constants: [], steps: [], outputs: [0] })]) {
      assert.throws(() => binding.runInto(other as never, add, [2], 0, null, -1, live.handle(), live.handle()), /runInto: argument 0 is not a randvar tensor/);
    }
    assert.deepEqual(Array.from(live.dataSync()), [1, 2]);
    live.dispose();
  });

  it('1e5 undisposed cycles in one synchronous loop keep live bytes bounded', () => {
    let peak = 0;
    for (let i = 0; i < 1e5; i++) {
      undisposedCycle();
      if (i % 1000 === 0) peak = Math.max(peak, rv.memory().liveBytes);
    }
    assert.ok(peak < 128 * MB, `live bytes peaked at ${(peak / MB).toFixed(1)} MB`);
  });
});
