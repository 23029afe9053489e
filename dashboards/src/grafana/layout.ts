import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  type Dashboard,
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  type Panel,
  RowBuilder,
  type RowPanel,
  TimePickerBuilder,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';

/** The tag every rampart dashboard carries; the dashboards link to each other by it. */
export const DASHBOARD_TAG = 'rampart';

export interface Row {
  readonly title: string;
  /** Collapsed rows hold the per-instance drill-down: closed until someone needs it. */
  readonly collapsed?: boolean;
  readonly panels: readonly cog.Builder<Panel>[];
}

export interface DashboardDefinition {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly cog.Builder<VariableModel>[];
  readonly rows: readonly Row[];
}

/**
 * Builds a dashboard model: rows laid out top to bottom (the SDK places panels left to
 * right, wrapping at 24 columns), panel ids numbered in order, a shared crosshair, links
 * to the other rampart dashboards, and the time range in the URL of every drill-down.
 */
export function buildDashboard(definition: DashboardDefinition): Dashboard {
  const builder = new DashboardBuilder(definition.title)
    .uid(definition.uid)
    .description(definition.description)
    .tags([DASHBOARD_TAG, 'resilience'])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .time({ from: 'now-1h', to: 'now' })
    .refresh('30s')
    .timezone('browser')
    .timepicker(new TimePickerBuilder().refreshIntervals(['10s', '30s', '1m', '5m', '15m']))
    .link(
      new DashboardLinkBuilder('rampart')
        .type(DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .targetBlank(false),
    )
    .variables([...definition.variables]);
  for (const row of definition.rows) {
    if (row.collapsed === true) {
      const rowBuilder = new RowBuilder(row.title).collapsed(true);
      for (const panel of row.panels) rowBuilder.withPanel(panel);
      builder.withRow(rowBuilder);
    } else {
      builder.withRow(new RowBuilder(row.title).collapsed(false));
      for (const panel of row.panels) builder.withPanel(panel);
    }
  }
  const model = builder.build();
  numberPanels(model);
  return model;
}

/** Panel ids in layout order, rows included: stable, so links to `viewPanel=<id>` survive regeneration. */
function numberPanels(model: Dashboard): void {
  let id = 1;
  for (const panel of model.panels ?? []) {
    panel.id = id++;
    if (panel.type === 'row') {
      for (const inner of (panel as RowPanel).panels) inner.id = id++;
    }
  }
}
