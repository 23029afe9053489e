import type { ConfigIssue } from './errors.js';

/** One assignment read from an env file. */
export interface FileEntry {
  readonly value: string;
  readonly line: number;
}

export interface ParsedEnvFile {
  readonly entries: ReadonlyMap<string, FileEntry>;
  readonly issues: readonly ConfigIssue[];
}

const ASSIGNMENT = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/**
 * Parses the common `.env` syntax: `NAME=value` lines, `#` comments, blank lines, an
 * optional `export ` prefix, values in single quotes (verbatim) or double quotes (with
 * `\n`, `\"` and `\\` escapes), and `# comments` after an unquoted value. A line that is
 * none of these is an issue (the whole file is then rejected), never silently skipped.
 * A name given twice takes its last value, as in a shell.
 */
export function parseEnvFile(text: string, path: string): ParsedEnvFile {
  const entries = new Map<string, FileEntry>();
  const issues: ConfigIssue[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const match = ASSIGNMENT.exec(trimmed);
    const value = match === null ? undefined : unquote(match[2]!);
    if (match === null || value === undefined) {
      issues.push({
        variable: `${path}:${line}`,
        value: trimmed,
        allowed: 'a line of the form NAME=value, a # comment, or blank',
        source: 'file',
      });
      return;
    }
    entries.set(match[1]!, { value, line });
  });
  return { entries, issues };
}

/** The value of an assignment, or undefined when its quotes are unbalanced. */
function unquote(text: string): string | undefined {
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    const end = findClosingQuote(text, quote);
    if (end === -1) return undefined;
    const rest = text.slice(end + 1).trim();
    if (rest !== '' && !rest.startsWith('#')) return undefined;
    const inner = text.slice(1, end);
    return quote === "'" ? inner : inner.replace(/\\([n"\\])/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  const comment = text.search(/\s#/);
  return (comment === -1 ? text : text.slice(0, comment)).trim();
}

function findClosingQuote(text: string, quote: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\' && quote === '"') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}
