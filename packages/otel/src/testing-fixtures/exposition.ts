/** One sample line of the Prometheus text format. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  /** `# TYPE` of every metric family, by family name. */
  readonly types: ReadonlyMap<string, string>;
  readonly help: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4): every line must be a
 * comment, a HELP/TYPE line or a well-formed sample, else it throws with the line.
 */
export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const samples: Sample[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const [, keyword, name, ...rest] = line.split(' ');
      if (keyword === 'TYPE' && name !== undefined) types.set(name, rest.join(' '));
      if (keyword === 'HELP' && name !== undefined) help.set(name, rest.join(' '));
      continue;
    }
    const m = SAMPLE.exec(line);
    if (m === null) throw new Error(`line ${index + 1} is not a sample: ${line}`);
    const [, name = '', rawLabels = '', rawValue = ''] = m;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < rawLabels.length) {
      const l = LABEL.exec(rawLabels);
      if (l === null) throw new Error(`line ${index + 1} has malformed labels: ${line}`);
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value =
      rawValue === '+Inf'
        ? Number.POSITIVE_INFINITY
        : rawValue === '-Inf'
          ? Number.NEGATIVE_INFINITY
          : Number(rawValue);
    if (Number.isNaN(value) && rawValue !== 'NaN')
      throw new Error(`line ${index + 1} has a bad value: ${line}`);
    samples.push({ name, labels, value });
  }
  return { types, help, samples };
}
