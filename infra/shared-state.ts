/**
 * State kept per construct across the whole process, not per copy of this module: an app may load the
 * package's ES module and its CommonJS build side by side (an ESM app using a CommonJS library that
 * requires the package), and both copies must see one pack per role and one grant size per principal.
 * `Symbol.for` names the map in the global symbol registry, which both copies share.
 */
export function processWideWeakMap<K extends object, V>(name: string): WeakMap<K, V> {
  const key = Symbol.for(`wechat-authorizer-tokens.${name}`);
  const registry = globalThis as unknown as Record<symbol, WeakMap<K, V> | undefined>;
  registry[key] ??= new WeakMap<K, V>();
  return registry[key];
}
