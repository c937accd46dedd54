/** Values by name, given as a plain object or a Map. */
export type NamedValues<T = unknown> = Readonly<Record<string, T>> | ReadonlyMap<string, T>;

/** The value named `name`, or undefined. */
export function lookup<T>(values: NamedValues<T>, name: string): T | undefined {
  if (values instanceof Map) return values.get(name);
  return Object.prototype.hasOwnProperty.call(values, name) ? (values as Record<string, T>)[name] : undefined;
}

/** The names in `values`. */
export function namesOf(values: NamedValues): string[] {
  return values instanceof Map ? [...values.keys()] : Object.keys(values);
}

/** Throws unless `values` is a plain object or a Map. */
export function checkValues(owner: string, values: unknown): NamedValues {
  if (values instanceof Map) return values;
  if (values !== null && typeof values === 'object' && Object.getPrototypeOf(values) === Object.prototype) return values as NamedValues;
  throw new Error(`${owner}: values must be an object or a Map of values by name, got ${values === null ? 'null' : typeof values}`);
}
