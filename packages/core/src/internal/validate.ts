/**
 * Option checks shared by every factory. Each throws at construction with a message that
 * names the option, the value given and what is allowed.
 */

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object' && value !== null) return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
};

/** A finite number within [min, max] (Infinity allowed only when `allowInfinity`). */
export function checkNumber(
  where: string,
  option: string,
  value: unknown,
  { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false, allowInfinity = false } = {},
): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${where}: ${option} must be a number, got ${show(value)}`);
  }
  if (value === Number.POSITIVE_INFINITY && allowInfinity) return value;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'an integer' : 'a number';
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
    throw new RangeError(
      `${where}: ${option} must be ${kind} ${range}${allowInfinity ? ' (or Infinity)' : ''}, got ${show(value)}`,
    );
  }
  return value;
}

/** A duration in milliseconds: a finite number >= min. */
export function checkDuration(
  where: string,
  option: string,
  value: unknown,
  { min = 0, allowInfinity = false } = {},
): number {
  return checkNumber(where, `${option} (ms)`, value, { min, allowInfinity });
}

export function checkFunction<F>(where: string, option: string, value: unknown): F {
  if (typeof value !== 'function')
    throw new TypeError(`${where}: ${option} must be a function, got ${show(value)}`);
  return value as F;
}

export function checkBoolean(where: string, option: string, value: unknown): boolean {
  if (typeof value !== 'boolean')
    throw new TypeError(`${where}: ${option} must be true or false, got ${show(value)}`);
  return value;
}

export function checkOneOf<T extends string>(
  where: string,
  option: string,
  value: unknown,
  allowed: readonly T[],
): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new RangeError(
      `${where}: ${option} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`,
    );
  }
  return value as T;
}

/** An options object with no keys but the known ones (a typo is an error, not a silent default). */
export function checkObject(
  where: string,
  value: unknown,
  known: readonly string[],
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${where}: options must be an object, got ${show(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`${where}: unknown option "${key}"; known options are ${known.join(', ')}`);
    }
  }
  // Every factory takes a `clock` and none checked it: a wrong one failed only at call time.
  const clock = (value as { clock?: unknown }).clock;
  if (clock !== undefined && known.includes('clock')) checkClock(where, clock);
  return value as Record<string, unknown>;
}

/** A `Clock`: `now()`, `setTimeout()` and `clearTimeout()`. */
export function checkClock(where: string, value: unknown): void {
  const clock = value as { now?: unknown; setTimeout?: unknown; clearTimeout?: unknown } | null;
  if (
    typeof clock !== 'object' ||
    clock === null ||
    typeof clock.now !== 'function' ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function'
  ) {
    throw new TypeError(
      `${where}: clock must be a Clock (an object with now(), setTimeout() and clearTimeout(), like systemClock or a TestClock), got ${show(value)}`,
    );
  }
}

/** A policy name: defaults to the kind. */
export function checkName(where: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(value)) {
    throw new TypeError(
      `${where}: name must be 1-64 characters of letters, digits, '_', '.', ':' or '-', got ${show(value)}`,
    );
  }
  return value;
}
