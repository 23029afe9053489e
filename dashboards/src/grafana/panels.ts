import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  HeatmapCellLayout,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingConfigBuilder,
  StackingMode,
  TooltipDisplayMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizTooltipOptionsBuilder,
} from '@grafana/grafana-foundation-sdk/common';
import {
  type DashboardLink,
  DashboardLinkBuilder,
  DashboardLinkType,
  type DataSourceRef,
  type Panel,
  type Threshold,
  type ThresholdsConfig,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  type ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';
import * as heatmap from '@grafana/grafana-foundation-sdk/heatmap';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** Every panel and query reads from the data source the `datasource` variable picks. */
export const DATASOURCE: DataSourceRef = { type: 'prometheus', uid: `\${datasource}` };

/** One PromQL query of a panel. */
export interface Query {
  readonly expr: string;
  /** Legend template, e.g. `{{job}} · {{rampart_pipeline}}`. */
  readonly legend: string;
  /** Evaluate once at the end of the range (tables, "now" numbers) instead of over the range. */
  readonly instant?: boolean;
  readonly format?: 'time_series' | 'table' | 'heatmap';
}

/** A link from a panel's series to another dashboard (drill-down). */
export interface PanelLink {
  readonly title: string;
  readonly url: string;
}

export interface PanelSpec {
  readonly title: string;
  /** What the panel shows and what a healthy value looks like (shown as the panel's tooltip). */
  readonly description: string;
  readonly queries: readonly Query[];
  /** Width in grid units (of 24) and height. */
  readonly w: number;
  readonly h: number;
  /** Grafana unit id: `reqps`, `ops`, `percentunit`, `s`, `short`, `none`. */
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Colour steps; the first step's value is null (everything below the next step). */
  readonly thresholds?: readonly Threshold[];
  readonly mappings?: readonly ValueMapping[];
  readonly links?: readonly PanelLink[];
}

/** The methods every panel builder of the SDK shares (they differ in options only). */
interface CommonPanelBuilder extends cog.Builder<Panel> {
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: DataSourceRef): this;
  targets(targets: cog.Builder<cog.Dataquery>[]): this;
  span(w: number): this;
  height(h: number): this;
  unit(unit: string): this;
  min(min: number): this;
  max(max: number): this;
  decimals(decimals: number): this;
  thresholds(thresholds: cog.Builder<ThresholdsConfig>): this;
  mappings(mappings: ValueMapping[]): this;
  dataLinks(links: cog.Builder<DashboardLink>[]): this;
}

const REF_IDS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function targets(queries: readonly Query[]): DataqueryBuilder[] {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder()
      .refId(REF_IDS[i] ?? `Q${i}`)
      .datasource(DATASOURCE)
      .expr(q.expr)
      .legendFormat(q.legend);
    if (q.instant === true) target.instant();
    else target.range();
    if (q.format === 'table') target.format(PromQueryFormat.Table);
    if (q.format === 'heatmap') target.format(PromQueryFormat.Heatmap);
    return target;
  });
}

function common<B extends CommonPanelBuilder>(builder: B, spec: PanelSpec): B {
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .targets(targets(spec.queries))
    .span(spec.w)
    .height(spec.h);
  if (spec.unit !== undefined) builder.unit(spec.unit);
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  if (spec.thresholds !== undefined) {
    builder.thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([...spec.thresholds]),
    );
  }
  if (spec.mappings !== undefined) builder.mappings([...spec.mappings]);
  if (spec.links !== undefined) {
    builder.dataLinks(
      spec.links.map((link) =>
        new DashboardLinkBuilder(link.title).type(DashboardLinkType.Link).url(link.url).targetBlank(false),
      ),
    );
  }
  return builder;
}

const legend = () =>
  new VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(LegendDisplayMode.Table)
    .placement(LegendPlacement.Bottom)
    .calcs(['mean', 'max', 'lastNotNull']);

export interface TimeseriesSpec extends PanelSpec {
  /** Stack the series (parts of a whole, such as outcomes). */
  readonly stacked?: boolean;
  /** Draw bars (counts per interval) instead of lines. */
  readonly bars?: boolean;
}

/** A time series panel; thresholds, when given, are drawn as dashed lines. */
export function timeseriesPanel(spec: TimeseriesSpec): timeseries.PanelBuilder {
  const panel = common(new timeseries.PanelBuilder(), spec)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .lineWidth(1)
    .fillOpacity(spec.stacked === true ? 40 : 10)
    .showPoints(VisibilityMode.Never)
    .spanNulls(false);
  if (spec.stacked === true) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.bars === true) panel.drawStyle(GraphDrawStyle.Bars).fillOpacity(60);
  if (spec.thresholds !== undefined && spec.thresholds.length > 1) {
    panel.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return panel;
}

/** A big number per series, coloured by thresholds, with a sparkline. */
export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  return common(new stat.PanelBuilder(), spec)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .colorMode(BigValueColorMode.Background)
    .graphMode(BigValueGraphMode.Area)
    .textMode(BigValueTextMode.ValueAndName);
}

/** Coloured bands per series over time: for states (value mappings name and colour them). */
export function stateTimelinePanel(spec: PanelSpec): statetimeline.PanelBuilder {
  return common(new statetimeline.PanelBuilder(), spec)
    .showValue(VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80)
    .legend(new VizLegendOptionsBuilder().showLegend(true).displayMode(LegendDisplayMode.List))
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Single));
}

/** A heatmap of a Prometheus histogram's buckets (query format `heatmap`, no recalculation). */
export function heatmapPanel(spec: PanelSpec): heatmap.PanelBuilder {
  return common(new heatmap.PanelBuilder(), spec)
    .calculate(false)
    .rowsFrame(new heatmap.RowsHeatmapOptionsBuilder().layout(HeatmapCellLayout.Le))
    .color(
      new heatmap.HeatmapColorOptionsBuilder()
        .mode(heatmap.HeatmapColorMode.Scheme)
        .scheme('Oranges')
        .scale(heatmap.HeatmapColorScale.Exponential)
        .exponent(0.5)
        .steps(64),
    )
    .yAxis(new heatmap.YAxisConfigBuilder().unit(spec.unit ?? 's'))
    .cellGap(1)
    .showLegend()
    .mode(TooltipDisplayMode.Single)
    .showYHistogram();
}

/** A table of instant values (one row per label set). */
export function tablePanel(
  spec: PanelSpec & { readonly hideColumns?: readonly string[] },
): table.PanelBuilder {
  const panel = common(new table.PanelBuilder(), spec).showHeader(true).filterable(true);
  const exclude: Record<string, boolean> = { Time: true };
  for (const column of spec.hideColumns ?? []) exclude[column] = true;
  panel.withTransformation({ id: 'organize', options: { excludeByName: exclude } });
  return panel;
}
