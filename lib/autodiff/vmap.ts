/** Vectorisation: vmap. (Engine in progress.) */
export interface VmapOptions {
  inAxes?: unknown;
  outAxes?: unknown;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function vmap<F extends (...args: any[]) => any>(f: F, options: VmapOptions = {}): F {
  void f; void options;
  throw new Error('vmap: not yet implemented');
}
