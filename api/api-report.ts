/**
 * The public API report: every export of every published entry point, with its type, in
 * one committed markdown file per package (api/*.api.md). A change to the public API shows
 * up as a diff of these files; `api-report.test.ts` fails when they are stale, and
 * `pnpm api:update` rewrites them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Entry points as users import them, and the source file behind each. */
export const ENTRIES: Readonly<Record<string, { report: string; source: string }>> = {
  '@rampart/core': { report: 'core', source: 'packages/core/src/index.ts' },
  '@rampart/core/testing': { report: 'core', source: 'packages/core/src/testing/index.ts' },
  '@rampart/core/admin': { report: 'core', source: 'packages/core/src/admin/index.ts' },
  '@rampart/otel': { report: 'otel', source: 'packages/otel/src/index.ts' },
  '@rampart/otel/prometheus': { report: 'otel', source: 'packages/otel/src/prometheus/index.ts' },
  '@rampart/config': { report: 'config', source: 'packages/config/src/index.ts' },
};

const FLAGS =
  ts.TypeFormatFlags.NoTruncation |
  ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType |
  ts.TypeFormatFlags.WriteArrayAsGenericType;

function compilerOptions(): ts.CompilerOptions {
  const file = join(root, 'tsconfig.check.json');
  const parsed = ts.parseJsonConfigFileContent(
    ts.readConfigFile(file, (p) => readFileSync(p, 'utf8')).config,
    ts.sys,
    root,
  );
  return { ...parsed.options, noEmit: true };
}

function isPublicMember(symbol: ts.Symbol): boolean {
  const decl = symbol.valueDeclaration ?? symbol.declarations?.[0];
  if (decl === undefined) return false;
  if (symbol.name.startsWith('#') || symbol.name.startsWith('__')) return false;
  const modifiers = ts.canHaveModifiers(decl) ? (ts.getModifiers(decl) ?? []) : [];
  if (
    modifiers.some(
      (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
    )
  ) {
    return false;
  }
  return !ts.getJSDocTags(decl).some((t) => t.tagName.text === 'internal');
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** A node's source as the printer writes it: comments dropped, whitespace folded. */
const print = (node: ts.Node): string =>
  printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile()).replace(/\s+/g, ' ');

/** `<T = unknown>` for declarations that have type parameters. */
function typeParameters(decl: ts.Declaration | undefined): string {
  const params =
    decl !== undefined &&
    (ts.isClassDeclaration(decl) || ts.isInterfaceDeclaration(decl) || ts.isTypeAliasDeclaration(decl))
      ? decl.typeParameters
      : undefined;
  return params === undefined || params.length === 0 ? '' : `<${params.map(print).join(', ')}>`;
}

function describe(checker: ts.TypeChecker, name: string, symbol: ts.Symbol): string[] {
  const lines: string[] = [];
  const flags = symbol.flags;
  const decl = symbol.declarations?.[0];
  const sigs = (type: ts.Type, kind: ts.SignatureKind) =>
    checker.getSignaturesOfType(type, kind).map((s) => checker.signatureToString(s, decl, FLAGS));
  const members = (type: ts.Type, indent: string) => {
    for (const prop of checker.getPropertiesOfType(type).filter(isPublicMember)) {
      const propType = checker.getTypeOfSymbol(prop);
      const calls = sigs(propType, ts.SignatureKind.Call);
      const isMethod = (prop.flags & ts.SymbolFlags.Method) !== 0;
      const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0 ? '?' : '';
      const readonly =
        prop.declarations?.some(
          (d) =>
            ts.canHaveModifiers(d) &&
            ts.getModifiers(d)?.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword),
        ) ?? false;
      if (isMethod && calls.length > 0)
        for (const c of calls) lines.push(`${indent}${prop.name}${optional}${c}`);
      else
        lines.push(
          `${indent}${readonly ? 'readonly ' : ''}${prop.name}${optional}: ${checker.typeToString(propType, decl, FLAGS)}`,
        );
    }
  };
  if (flags & ts.SymbolFlags.Class) {
    lines.push(`class ${name}${typeParameters(decl)}`);
    const ctorType = checker.getTypeOfSymbol(symbol);
    for (const c of sigs(ctorType, ts.SignatureKind.Construct))
      lines.push(`  constructor${c.replace(/: [^:]+$/, '')}`);
    members(checker.getDeclaredTypeOfSymbol(symbol), '  ');
  } else if (flags & ts.SymbolFlags.Function) {
    for (const c of sigs(checker.getTypeOfSymbol(symbol), ts.SignatureKind.Call))
      lines.push(`function ${name}${c}`);
  } else if (flags & ts.SymbolFlags.Interface) {
    lines.push(`interface ${name}${typeParameters(decl)}`);
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    for (const c of sigs(type, ts.SignatureKind.Call)) lines.push(`  ${c}`);
    members(type, '  ');
  } else if (flags & ts.SymbolFlags.TypeAlias) {
    const text = decl && ts.isTypeAliasDeclaration(decl) ? print(decl.type) : '?';
    lines.push(`type ${name}${typeParameters(decl)} = ${text}`);
  } else if (flags & ts.SymbolFlags.Variable) {
    lines.push(`const ${name}: ${checker.typeToString(checker.getTypeOfSymbol(symbol), decl, FLAGS)}`);
  } else {
    lines.push(`${name} (${ts.SymbolFlags[flags] ?? flags})`);
  }
  return lines;
}

/** Builds the reports: report name → markdown. */
export function buildApiReports(): Map<string, string> {
  const program = ts.createProgram(
    Object.values(ENTRIES).map((e) => join(root, e.source)),
    compilerOptions(),
  );
  const checker = program.getTypeChecker();
  const reports = new Map<string, string[]>();
  for (const [entry, { report, source }] of Object.entries(ENTRIES)) {
    const file = program.getSourceFile(join(root, source));
    const lines = reports.get(report) ?? [
      `# API report: ${report}`,
      '',
      '<!-- generated by api/api-report.ts: pnpm api:update -->',
      '',
    ];
    lines.push(`## ${entry}`, '', `Source: \`${relative(root, join(root, source))}\``, '', '```ts');
    const moduleSymbol = file && checker.getSymbolAtLocation(file);
    if (moduleSymbol === undefined) {
      lines.push('// (entry point missing)');
    } else {
      const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
      for (const exported of exports) {
        const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        lines.push(...describe(checker, exported.name, target));
      }
    }
    lines.push('```', '');
    reports.set(report, lines);
  }
  // Types the checker cannot name in place are written as `import("<absolute path>")`: make
  // those paths relative to the repository so the report is the same in every checkout.
  const absolute = new RegExp(`import\\("${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`, 'g');
  return new Map(
    [...reports].map(([name, lines]) => [
      name,
      `${lines.join('\n').trimEnd().replace(absolute, 'import("')}\n`,
    ]),
  );
}

export const reportPath = (name: string): string => join(root, 'api', `${name}.api.md`);
