/**
 * The value formats of rampart's environment variables: how a string from the environment
 * becomes a value (`parse`), how a value is checked against a setting's range (`check`),
 * how it is written back (`show`), and how the range reads to a human (`describe`).
 *
 * Parsing never throws: a string that does not parse stays a string, and `check` reports
 * it. That is what lets one pass collect every bad variable instead of stopping at the
 * first (convict coerces while importing the environment, where a throw would end it).
 */

/** The name of a format. Each one is also registered with convict (see `convict-formats.ts`). */
export type FormatName = 'duration' | 'ratio' | 'integer' | 'number' | 'boolean' | 'enum';

/** The range a setting accepts. */
export interface Constraint {
  readonly format: FormatName;
  /** Lowest allowed value (inclusive unless `minExclusive`). */
  readonly min?: number;
  readonly minExclusive?: boolean;
  /** Highest allowed value (inclusive). */
  readonly max?: number;
  /** Infinity is allowed, written `infinity` or `none`. */
  readonly infinity?: boolean;
  /** The allowed words of an `enum`. */
  readonly values?: readonly string[];
}

export type SettingValue = number | boolean | string;

/** Thrown by `check` with what the setting allows. */
export class FormatViolation extends Error {
  readonly allowed: string;
  constructor(allowed: string) {
    super(`must be ${allowed}`);
    this.name = 'FormatViolation';
    this.allowed = allowed;
  }
}

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:(?:\d+(?:\.\d+)?|\.\d+)(?:ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/g;
const PLAIN_NUMBER = /^[+]?(\d+(?:\.\d+)?|\.\d+)(e[+-]?\d+)?$/i;
const INFINITY_WORDS = new Set(['infinity', 'inf', 'none', 'unlimited']);

/**
 * `250ms`, `15s`, `2m`, `1h`, compounds like `1m30s`, plain numbers (milliseconds), and
 * `infinity`/`none`. Returns the input unchanged when it is not a duration.
 */
export function parseDuration(text: string): number | string {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  if (INFINITY_WORDS.has(compact)) return Number.POSITIVE_INFINITY;
  if (PLAIN_NUMBER.test(compact)) return Number(compact);
  if (!DURATION.test(compact)) return text;
  let total = 0;
  for (const [, amount, unit] of compact.matchAll(DURATION_PART)) total += Number(amount) * UNIT_MS[unit!]!;
  return total;
}

/** `0.5`, `50%`. Returns the input unchanged when it is not a ratio. */
export function parseRatio(text: string): number | string {
  const trimmed = text.trim();
  if (trimmed.endsWith('%')) {
    const number = trimmed.slice(0, -1).trim();
    return PLAIN_NUMBER.test(number) ? Number(number) / 100 : text;
  }
  return PLAIN_NUMBER.test(trimmed) ? Number(trimmed) : text;
}

function parseNumber(text: string): number | string {
  const trimmed = text.trim().toLowerCase();
  if (INFINITY_WORDS.has(trimmed)) return Number.POSITIVE_INFINITY;
  if (/^-/.test(trimmed) && PLAIN_NUMBER.test(trimmed.slice(1))) return -Number(trimmed.slice(1));
  return PLAIN_NUMBER.test(trimmed) ? Number(trimmed) : text;
}

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** `true/false`, `1/0`, `yes/no`, `on/off` in any case. Returns the input when it is none of them. */
export function parseBoolean(text: string): boolean | string {
  const word = text.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return text;
}

/** Turns a string into the format's value, or returns the string when it does not parse. */
export function parseValue(format: FormatName, text: string): SettingValue {
  switch (format) {
    case 'duration':
      return parseDuration(text);
    case 'ratio':
      return parseRatio(text);
    case 'integer':
    case 'number':
      return parseNumber(text);
    case 'boolean':
      return parseBoolean(text);
    case 'enum':
      return text.trim().toLowerCase();
  }
}

const num = (n: number): string => (n === Number.POSITIVE_INFINITY ? 'infinity' : String(n));

/** Writes a duration the way a human would type it: `250ms`, `15s`, `2m`, `1h`, `infinity`. */
export function showDuration(ms: number): string {
  if (ms === Number.POSITIVE_INFINITY) return 'infinity';
  if (ms !== 0 && Number.isInteger(ms)) {
    if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
    if (ms % 60_000 === 0) return `${ms / 60_000}m`;
    if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  }
  return `${ms}ms`;
}

/** A value as it would be written in an env file. */
export function showValue(format: FormatName, value: SettingValue): string {
  if (format === 'duration' && typeof value === 'number') return showDuration(value);
  if (typeof value === 'number') return num(value);
  return String(value);
}

const DAY = 86_400_000;

/** A duration bound; odd large ones (the 2^31-1 ms timer limit) get a reading in days. */
const showBound = (ms: number): string => {
  const text = showDuration(ms);
  return ms >= DAY && text.endsWith('ms') ? `${text} (about ${(ms / DAY).toFixed(1)} days)` : text;
};

function describeRange(c: Constraint, show: (n: number) => string): string {
  const { min, max } = c;
  if (min !== undefined && max !== undefined) {
    return c.minExclusive ? `> ${show(min)} and <= ${show(max)}` : `from ${show(min)} to ${show(max)}`;
  }
  if (min !== undefined) return c.minExclusive ? `> ${show(min)}` : `>= ${show(min)}`;
  if (max !== undefined) return `<= ${show(max)}`;
  return '';
}

/**
 * What a setting allows, in words: "an integer >= 1", "a duration (250ms, 15s, 2m, 1h; a
 * plain number is ms) >= 0, or infinity". `brief` leaves out the article and the examples
 * (for reference tables).
 */
export function describeConstraint(c: Constraint, brief = false): string {
  const orInfinity = c.infinity ? ', or infinity' : '';
  const range = (show: (n: number) => string) => {
    const text = describeRange(c, show);
    return text === '' ? '' : ` ${text}`;
  };
  switch (c.format) {
    case 'duration':
      return `${brief ? 'duration' : 'a duration (250ms, 15s, 2m, 1h; a plain number is ms)'}${range(showBound)}${orInfinity}`;
    case 'ratio':
      return `${brief ? 'ratio' : 'a ratio (0.5 or 50%)'}${range(num)}`;
    case 'integer':
      return `${brief ? 'integer' : 'an integer'}${range(num)}${orInfinity}`;
    case 'number':
      return `${brief ? 'number' : 'a number'}${range(num)}${orInfinity}`;
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${(c.values ?? []).join(', ')}`;
  }
}

/** Throws `FormatViolation` when `value` is not allowed by `c`. */
export function checkValue(c: Constraint, value: unknown): void {
  const allowed = () => new FormatViolation(describeConstraint(c));
  switch (c.format) {
    case 'boolean':
      if (typeof value !== 'boolean') throw allowed();
      return;
    case 'enum':
      if (typeof value !== 'string' || !(c.values ?? []).includes(value)) throw allowed();
      return;
    default: {
      if (typeof value !== 'number' || Number.isNaN(value)) throw allowed();
      if (value === Number.POSITIVE_INFINITY) {
        if (!c.infinity) throw allowed();
        return;
      }
      if (!Number.isFinite(value)) throw allowed();
      if (c.format === 'integer' && !Number.isInteger(value)) throw allowed();
      if (c.min !== undefined && (c.minExclusive ? value <= c.min : value < c.min)) throw allowed();
      if (c.max !== undefined && value > c.max) throw allowed();
    }
  }
}
