/** Where a value came from. */
export type ValueSource = 'default' | 'profile' | 'env' | 'file';

/** One bad variable: its name, the value given and what it allows. */
export interface ConfigIssue {
  readonly variable: string;
  /** The text given (undefined when the problem is a missing or unreadable file). */
  readonly value: string | undefined;
  /** What would have been accepted, in words. */
  readonly allowed: string;
  /** Where the value came from: `env`, or `file` with its path and line. */
  readonly source?: string;
}

/** Something worth telling the operator that does not stop start-up. */
export interface ConfigWarning {
  readonly variable: string;
  readonly value: string;
  readonly message: string;
  /** The nearest valid variable name, for an unknown variable. */
  readonly suggestion?: string;
}

const quote = (value: string): string => JSON.stringify(value);

/** One line per issue: `RAMPART_X="abc" (env): must be ...`. */
export function formatIssue(issue: ConfigIssue): string {
  const value = issue.value === undefined ? '' : `=${quote(issue.value)}`;
  const source = issue.source === undefined ? '' : ` (${issue.source})`;
  return `${issue.variable}${value}${source}: must be ${issue.allowed}`;
}

/**
 * Every problem with the configuration, reported at once: fix them all in one deploy
 * rather than one per restart. `issues` lists them for programs; the message for people.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(
      `invalid rampart configuration (${count}):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
