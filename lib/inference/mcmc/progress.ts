/**
 * A one-line progress bar on stderr, redrawn at most every tenth of a second: iterations done,
 * phase, divergences after warm-up, the mean step size, and the estimated time left. Shown only
 * when stderr is a terminal.
 */
export class ProgressBar {
  private readonly started = Date.now();
  private lastDrawn = 0;
  private readonly enabled: boolean;

  constructor(private readonly label: string, private readonly total: number, wanted: boolean, private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = wanted && stream.isTTY === true && total > 0;
  }

  /** Shows `done` of the total iterations. */
  update(done: number, warmup: boolean, divergences: number, stepSize: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDrawn < 100 && done < this.total) return;
    this.lastDrawn = now;
    const width = 30;
    const filled = Math.round((width * done) / this.total);
    const elapsed = (now - this.started) / 1000;
    const left = done > 0 ? (elapsed * (this.total - done)) / done : NaN;
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ${warmup ? 'warmup' : 'sampling'}`
      + ` | divergences ${divergences} | step size ${stepSize.toPrecision(3)} | ETA ${formatSeconds(left)}`;
    this.stream.write(`\r${line}\x1b[K`);
  }

  /** Ends the line. */
  finish(): void {
    if (this.enabled) this.stream.write('\n');
  }
}

function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
