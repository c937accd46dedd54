/**
 * Devices: `cpu` and each CUDA GPU as `cuda:N`. Tensors live on one device; an op runs on the
 * device of its tensor inputs (JS numbers and arrays join them there); ops without tensor inputs
 * (creation functions, samplers given only numbers) use the default device, `cpu` unless
 * `setDevice` or `withDevice` says otherwise.
 */
import { binding, type NativeDevice } from '../backend/binding';
import { RuleError } from './shape';

/** A device name: 'cpu', 'cuda' (the first GPU) or 'cuda:N'. */
export type Device = string;

/** Options of the creation functions. */
export interface DeviceOptions {
  /** Where the new tensor lives (the default device when left out). */
  device?: Device;
}

const cpuCode = -1;
let defaultCode = cpuCode;

/** @internal The native code of a device name: -1 for the CPU, N for cuda:N. Throws a RuleError when unknown. */
export function deviceCode(device: Device): number {
  if (device === 'cpu') return cpuCode;
  const m = typeof device === 'string' ? /^cuda(?::(\d+))?$/.exec(device) : null;
  if (m === null) throw new RuleError(`unknown device ${JSON.stringify(device)} (expected 'cpu', 'cuda' or 'cuda:N')`);
  const index = m[1] === undefined ? 0 : Number(m[1]);
  const gpus = listDevices().length - 1;
  if (index >= gpus) {
    const why = gpus === 0 ? binding.cudaInfo().reason : `this machine has ${gpus} CUDA device(s)`;
    throw new RuleError(`device ${device} is not available: ${why}`);
  }
  return index;
}

/** @internal The name of a native device code. */
export function deviceName(code: number): Device {
  return code === cpuCode ? 'cpu' : `cuda:${code}`;
}

/** @internal The default device's code. */
export function defaultDeviceCode(): number {
  return defaultCode;
}

/** @internal The code of an optional device option, else the default device's. */
export function optionDeviceCode(options: DeviceOptions | undefined): number {
  return options?.device === undefined ? defaultCode : deviceCode(options.device);
}

let cachedDevices: NativeDevice[] | null = null;
function listDevices(): NativeDevice[] {
  cachedDevices ??= binding.devices();
  return cachedDevices;
}

/** A device as `rv.devices()` lists it. */
export interface DeviceInfo {
  /** 'cpu' or 'cuda:N'. */
  name: Device;
  /** The GPU's model name (GPUs only). */
  model?: string;
  /** Bytes of device memory (GPUs only). */
  totalMemory?: number;
  /** Compute capability, e.g. '9.0' (GPUs only). */
  computeCapability?: string;
}

/**
 * The devices tensors can live on: `cpu`, then each usable CUDA GPU. Without a GPU, driver or a
 * CUDA build, only `cpu`.
 *
 * @example
 * rv.devices().map((d) => d.name);  // ['cpu'] or ['cpu', 'cuda:0']
 */
export function devices(): DeviceInfo[] {
  return listDevices().map(({ name, model, totalMemory, computeCapability }) =>
    model === undefined ? { name } : { name, model, totalMemory, computeCapability });
}

/** Why no GPU is listed ('' when one is). @example rv.cudaUnavailableReason() */
export function cudaUnavailableReason(): string {
  return binding.cudaInfo().reason;
}

/** @internal deviceCode, with an unknown or unavailable device reported as an Error naming `fn`. */
export function checkedDeviceCode(fn: string, device: Device): number {
  try {
    return deviceCode(device);
  } catch (error) {
    if (error instanceof RuleError) throw new Error(`${fn}: ${error.message}`);
    throw error;
  }
}

/** The default device's name. @example rv.getDevice()  // 'cpu' */
export function getDevice(): Device {
  return deviceName(defaultCode);
}

/**
 * Sets the default device: where ops without tensor inputs put their results.
 *
 * @example
 * rv.setDevice('cuda:0'); rv.zeros([3]).device;  // 'cuda:0'
 */
export function setDevice(device: Device): void {
  defaultCode = checkedDeviceCode('setDevice', device);
}

/**
 * Runs fn with `device` as the default device, restoring the previous one afterwards (also when fn
 * throws). fn runs synchronously: for async work, pass `{device}` or move tensors with `.to()`.
 *
 * @example
 * const x = rv.withDevice('cuda', () => rv.randomNormal([1000]));
 */
export function withDevice<T>(device: Device, fn: () => T): T {
  const code = checkedDeviceCode('withDevice', device);
  const previous = defaultCode;
  defaultCode = code;
  try {
    return fn();
  } finally {
    defaultCode = previous;
  }
}

/** Waits for the queued work of a device (GPUs run ops asynchronously; reads wait by themselves). @example rv.synchronize('cuda:0') */
export function synchronize(device: Device = getDevice()): void {
  binding.synchronize(checkedDeviceCode('synchronize', device));
}
