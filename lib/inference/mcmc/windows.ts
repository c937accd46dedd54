/**
 * Stan's warm-up schedule for the metric. An initial fast interval adapts only the step size
 * (the chains are still finding the typical set); then slow windows, each twice as long as the
 * one before, collect draws for the metric, which is set at each window's end; the last window
 * is stretched to the terminal fast interval, where the step size adapts to the final metric.
 * With 1000 warm-up iterations: 75, then windows of 25, 50, 100, 200 and 500, then 50.
 */

/** A slow window: the warm-up iterations [start, end] (inclusive) whose draws set the metric. */
export interface Window {
  readonly start: number;
  readonly end: number;
}

/**
 * The slow windows for `numWarmup` iterations. Warm-ups too short for 75 + 25 + 50 use 15% /
 * 75% / 10% of their length; under 20 iterations the metric is not adapted at all.
 *
 * @example
 * adaptationWindows(1000);  // [{75, 99}, {100, 149}, {150, 249}, {250, 449}, {450, 949}]
 */
export function adaptationWindows(numWarmup: number, initBuffer = 75, baseWindow = 25, termBuffer = 50): Window[] {
  if (numWarmup < 20) return [];
  if (initBuffer + baseWindow + termBuffer > numWarmup) {
    initBuffer = Math.floor(0.15 * numWarmup);
    termBuffer = Math.floor(0.1 * numWarmup);
    baseWindow = numWarmup - (initBuffer + termBuffer);
  }
  const lastEnd = numWarmup - termBuffer - 1;
  const windows: Window[] = [];
  let size = baseWindow;
  let start = initBuffer;
  let end = initBuffer + baseWindow - 1;
  for (;;) {
    windows.push({ start, end });
    if (end === lastEnd) return windows;
    size *= 2;
    start = end + 1;
    end += size;
    // A window that would leave less than the next one's length before the terminal interval takes it all.
    if (end !== lastEnd && end + 2 * size >= numWarmup - termBuffer) end = lastEnd;
  }
}
