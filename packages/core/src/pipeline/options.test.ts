import { describe, expect, it } from 'vitest';
import { TestClock } from '../testing/index.js';
import { Pipeline } from './pipeline.js';
import { pipeline, Registry } from './registry.js';

describe('pipeline options', () => {
  // Regression: the pipeline took any options object: a misspelt key was silently ignored,
  // and a clock that is not a clock failed every call that was listened to. Found by the
  // reliability suite (test/reliability/bad-input).
  it('refuses unknown keys, a clock that is not one, and switches that are not booleans, naming them', () => {
    const build = (options: unknown) => () => pipeline('p', [], { registry: null, ...(options as object) });
    expect(build({ enable: false })).toThrow(/unknown option "enable"/);
    expect(build({ clock: {} })).toThrow(/clock must be a Clock/);
    expect(build({ enabled: 'no' })).toThrow(/enabled must be true or false/);
    expect(build({ replace: 1 })).toThrow(/replace must be true or false/);
    expect(() => new Pipeline('p', [], { registry: {} as Registry })).toThrow(
      /registry must be a Registry or null/,
    );
  });

  it('accepts every option it documents', () => {
    const registry = new Registry();
    expect(() =>
      pipeline('p', [], { registry, replace: true, clock: new TestClock(), enabled: false }),
    ).not.toThrow();
    expect(() => registry.pipeline('q', [], { clock: new TestClock() })).not.toThrow();
  });
});
