import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkValue,
  describeConstraint,
  FormatViolation,
  parseBoolean,
  parseDuration,
  parseRatio,
  parseValue,
  showDuration,
} from './formats.js';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['15s', 15_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1_500],
    ['1m30s', 90_000],
    ['1h 2m 3s', 3_723_000],
    [' 15S ', 15_000],
    ['500', 500],
    ['0', 0],
    ['2.5', 2.5],
    ['infinity', Number.POSITIVE_INFINITY],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['none', Number.POSITIVE_INFINITY],
  ])('%s → %s ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'soon', '15 parsecs', '-5s', '1x', 's', 'ms15', '1m30', '1e', '0x10'])(
    'leaves %j unparsed (reported by the check)',
    (text) => {
      expect(parseDuration(text)).toBe(text);
    },
  );

  it('shows durations the way a person writes them, and reads them back', () => {
    expect(showDuration(250)).toBe('250ms');
    expect(showDuration(15_000)).toBe('15s');
    expect(showDuration(120_000)).toBe('2m');
    expect(showDuration(3_600_000)).toBe('1h');
    expect(showDuration(1_500)).toBe('1500ms');
    expect(showDuration(0)).toBe('0ms');
    expect(showDuration(Number.POSITIVE_INFINITY)).toBe('infinity');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (ms) => {
        expect(parseDuration(showDuration(ms))).toBe(ms);
      }),
    );
  });
});

describe('ratios', () => {
  it.each([
    ['0.5', 0.5],
    ['50%', 0.5],
    ['12.5 %', 0.125],
    ['1', 1],
    ['100%', 1],
    ['.25', 0.25],
  ])('%s → %s', (text, value) => {
    expect(parseRatio(text)).toBe(value);
  });

  it.each(['half', '%', '50%%', '-0.1'])('leaves %j unparsed', (text) => {
    expect(parseRatio(text)).toBe(text);
  });
});

describe('booleans', () => {
  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['on', true],
    ['false', false],
    ['False', false],
    ['0', false],
    ['no', false],
    ['off', false],
  ])('%s → %s', (text, value) => {
    expect(parseBoolean(text)).toBe(value);
  });

  it('leaves anything else unparsed instead of reading it as true (convict would)', () => {
    expect(parseBoolean('nope')).toBe('nope');
    expect(parseBoolean('flase')).toBe('flase');
  });
});

describe('checkValue', () => {
  const violation = (fn: () => void): string => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(FormatViolation);
      return (error as FormatViolation).allowed;
    }
    throw new Error('expected a violation');
  };

  it('integers: range, fractions, infinity only where allowed', () => {
    const c = { format: 'integer', min: 1 } as const;
    expect(() => checkValue(c, 3)).not.toThrow();
    expect(violation(() => checkValue(c, 0))).toBe('an integer >= 1');
    expect(violation(() => checkValue(c, 1.5))).toBe('an integer >= 1');
    expect(violation(() => checkValue(c, Number.POSITIVE_INFINITY))).toBe('an integer >= 1');
    expect(violation(() => checkValue(c, 'three'))).toBe('an integer >= 1');
    expect(() => checkValue({ ...c, infinity: true }, Number.POSITIVE_INFINITY)).not.toThrow();
  });

  it('ratios: an exclusive lower bound', () => {
    const c = { format: 'ratio', min: 0, minExclusive: true, max: 1 } as const;
    expect(() => checkValue(c, 1)).not.toThrow();
    expect(() => checkValue(c, 0.01)).not.toThrow();
    expect(violation(() => checkValue(c, 0))).toBe('a ratio (0.5 or 50%) > 0 and <= 1');
    expect(violation(() => checkValue(c, 1.5))).toBe('a ratio (0.5 or 50%) > 0 and <= 1');
  });

  it('durations describe their range in duration units', () => {
    expect(describeConstraint({ format: 'duration', min: 1, infinity: true })).toBe(
      'a duration (250ms, 15s, 2m, 1h; a plain number is ms) >= 1ms, or infinity',
    );
    expect(describeConstraint({ format: 'duration', min: 0, max: 60_000 }, true)).toBe(
      'duration from 0ms to 1m',
    );
  });

  it('enums accept only their words (parsing lower-cases them)', () => {
    const c = { format: 'enum', values: ['consecutive', 'count'] } as const;
    expect(() => checkValue(c, parseValue('enum', ' COUNT '))).not.toThrow();
    expect(violation(() => checkValue(c, 'sliding'))).toBe('one of consecutive, count');
  });

  it('booleans accept only booleans', () => {
    expect(violation(() => checkValue({ format: 'boolean' }, 'nope'))).toBe('true or false');
  });
});
