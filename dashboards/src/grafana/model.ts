import type { Dashboard, Panel, RowPanel } from '@grafana/grafana-foundation-sdk/dashboard';

/** One query of one panel, named so that a failure can say which panel it broke. */
export interface PanelQuery {
  readonly dashboard: string;
  readonly panel: string;
  readonly panelId: number;
  readonly refId: string;
  readonly expr: string;
  /** Grafana evaluates it once at the end of the range (tables), not over the range. */
  readonly instant: boolean;
}

/** A template variable filled from Prometheus: `label_values(<selector>, <label>)`. */
export interface VariableQuery {
  readonly dashboard: string;
  readonly name: string;
  readonly selector: string;
  readonly label: string;
}

interface PromTarget {
  readonly refId?: string;
  readonly expr?: string;
  readonly instant?: boolean;
}

/** Every panel of a dashboard, those inside collapsed rows included. */
export function allPanels(model: Dashboard): Panel[] {
  const panels: Panel[] = [];
  for (const panel of model.panels ?? []) {
    if (panel.type === 'row') panels.push(...(panel as RowPanel).panels);
    else panels.push(panel as Panel);
  }
  return panels;
}

/** Every PromQL query of every panel, in layout order. */
export function panelQueries(model: Dashboard): PanelQuery[] {
  return allPanels(model).flatMap((panel) =>
    ((panel.targets ?? []) as PromTarget[]).map((target) => ({
      dashboard: model.title ?? '(untitled)',
      panel: panel.title ?? '(untitled)',
      panelId: panel.id ?? 0,
      refId: target.refId ?? '',
      expr: target.expr ?? '',
      instant: target.instant === true,
    })),
  );
}

/** The `label_values(…)` variables of a dashboard, parsed. */
export function variableQueries(model: Dashboard): VariableQuery[] {
  const out: VariableQuery[] = [];
  for (const variable of model.templating.list ?? []) {
    if (variable.type !== 'query' || typeof variable.query !== 'string') continue;
    const match = /^label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$/s.exec(variable.query);
    if (match === null) throw new Error(`variable ${variable.name}: unsupported query ${variable.query}`);
    out.push({
      dashboard: model.title ?? '(untitled)',
      name: variable.name,
      selector: match[1] ?? '',
      label: match[2] ?? '',
    });
  }
  return out;
}

/**
 * Replaces Grafana variables (`$name`, `${name}`) as Grafana would before sending a query.
 * A variable without a value is an error, so a query can never reach Prometheus with a
 * `$` left in it.
 */
export function substituteVariables(expr: string, values: Readonly<Record<string, string>>): string {
  return expr.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (whole, braced: string | undefined, bare: string | undefined) => {
      const name = braced ?? bare ?? '';
      const value = values[name];
      if (value === undefined) throw new Error(`no value for Grafana variable ${whole} in: ${expr}`);
      return value;
    },
  );
}
