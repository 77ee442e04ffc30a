// Counting what a step does instead of timing it: the machine is shared and slow or fast by turns,
// but how much text a step copies, or which regular expressions it builds, is the same on every run.

/** Runs `run`, adding up the characters `String.prototype.slice` returns meanwhile (the text it copies that way). */
export function slicedCharacters<T>(run: () => T): { readonly result: T; readonly characters: number } {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its own `this` below
  const slice = String.prototype.slice;
  let characters = 0;
  String.prototype.slice = function (this: string, ...args: Parameters<string['slice']>): string {
    const part = slice.apply(this, args);
    characters += part.length;
    return part;
  };
  try {
    return { result: run(), characters };
  } finally {
    String.prototype.slice = slice;
  }
}

/** Runs `run`, recording the sources of the regular expressions it builds from text (`new RegExp(…)`, `RegExp(…)`). */
export function builtRegExps<T>(run: () => T): { readonly result: T; readonly sources: readonly string[] } {
  const original = globalThis.RegExp;
  const sources: string[] = [];
  const record = (pattern: unknown): void => {
    sources.push(pattern instanceof original ? pattern.source : String(pattern));
  };
  globalThis.RegExp = new Proxy(original, {
    construct(target, args: [string | RegExp, string?]) {
      record(args[0]);
      return new target(...args);
    },
    apply(target, _this, args: [string | RegExp, string?]) {
      record(args[0]);
      return target(...args);
    },
  });
  try {
    return { result: run(), sources };
  } finally {
    globalThis.RegExp = original;
  }
}

/** Runs `run`, counting the calls of `object[method]` meanwhile. */
export function countCalls<T, O extends object>(
  object: O,
  method: keyof O & string,
  run: () => T,
): { readonly result: T; readonly calls: number } {
  const original = object[method] as unknown as (...args: unknown[]) => unknown;
  let calls = 0;
  (object as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
    calls++;
    return original.apply(this, args);
  };
  try {
    return { result: run(), calls };
  } finally {
    (object as Record<string, unknown>)[method] = original;
  }
}
