import type {
  Dashboard,
  Panel,
  RowPanel,
  Threshold,
  ValueMapping,
} from '@grafana/grafana-foundation-sdk/dashboard';

/**
 * A picture of a dashboard for people who would rather look than read JSON: the layout of
 * its panels on Grafana's grid, their titles, and their data drawn the way the panel type
 * draws it (lines, state bands, big numbers, heatmap cells, table rows). It is a sketch
 * in the spirit of Grafana's dark theme, not a screenshot: no Grafana runs here.
 */

/** One series of a query result, as Prometheus' HTTP API returns it. */
export interface PreviewSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

/** The result of one query of one panel. */
export interface PanelData {
  readonly panelId: number;
  readonly refId: string;
  readonly series: readonly PreviewSeries[];
}

/** The time range the data covers, in unix seconds. */
export interface TimeRange {
  readonly from: number;
  readonly to: number;
}

/** A moment worth a vertical marker on every time axis (Grafana's annotations). */
export interface TimeMark {
  /** Unix seconds. */
  readonly at: number;
  readonly label: string;
}

const WIDTH = 1440;
const COLUMN = WIDTH / 24;
const ROW_UNIT = 30;
const HEADER = 64;
const PAD = 8;

const THEME = {
  background: '#111217',
  panel: '#181b1f',
  border: '#2c3235',
  text: '#ccccdc',
  muted: '#8e8e9e',
  grid: '#24292e',
};

/** Grafana's named colours, and its classic palette for series. */
const NAMED: Readonly<Record<string, string>> = {
  green: '#73bf69',
  yellow: '#fade2a',
  orange: '#ff9830',
  red: '#f2495c',
  purple: '#b877d9',
  blue: '#5794f2',
  text: THEME.text,
};
const PALETTE = ['#73bf69', '#fade2a', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#ffb357'];

const color = (name: string | undefined): string => (name === undefined ? THEME.text : (NAMED[name] ?? name));

const xml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const num = (value: number): string => String(Math.round(value * 10) / 10);

/** `{{label}}` → the series' value of that label, as Grafana's legend format does. */
function legendOf(format: string | undefined, metric: Readonly<Record<string, string>>): string {
  if (format === undefined || format === '') return JSON.stringify(metric);
  return format.replace(
    /\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g,
    (_m, label: string) => metric[label] ?? '',
  );
}

/** A value in the panel's unit, short. */
function formatValue(value: number, unit: string | undefined): string {
  if (!Number.isFinite(value)) return '–';
  switch (unit) {
    case 'percentunit':
      return `${(value * 100).toFixed(Math.abs(value) < 0.1 ? 1 : 0)}%`;
    case 's':
      if (value === 0) return '0 s';
      return value < 1 ? `${Number((value * 1000).toPrecision(2))} ms` : `${value.toFixed(2)} s`;
    case 'reqps':
    case 'ops':
      return `${value < 10 ? value.toFixed(2) : value.toFixed(0)}/s`;
    default:
      return Number.isInteger(value) ? String(value) : value.toPrecision(3);
  }
}

interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

interface Drawn {
  readonly panel: Panel;
  readonly series: readonly {
    readonly name: string;
    readonly refId: string;
    readonly points: readonly (readonly [number, number])[];
  }[];
}

function seriesOf(panel: Panel, data: readonly PanelData[]): Drawn['series'] {
  const targets = (panel.targets ?? []) as unknown as { refId: string; legendFormat?: string }[];
  return targets.flatMap((target) => {
    const result = data.find((d) => d.panelId === panel.id && d.refId === target.refId);
    return (result?.series ?? []).map((s) => ({
      name: legendOf(target.legendFormat, s.metric),
      refId: target.refId,
      points: s.values.map(([t, v]) => [t, Number(v)] as const),
    }));
  });
}

/** The unit a query's override gives its series (Grafana: a second y axis), if any. */
function overriddenUnit(panel: Panel, refId: string): string | undefined {
  for (const override of panel.fieldConfig?.overrides ?? []) {
    if (override.matcher.id !== 'byFrameRefID' || override.matcher.options !== refId) continue;
    const unit = override.properties.find((p) => p.id === 'unit');
    if (unit !== undefined) return String(unit.value);
  }
  return undefined;
}

function thresholdsOf(panel: Panel): readonly Threshold[] {
  return panel.fieldConfig?.defaults.thresholds?.steps ?? [];
}

/** The colour a value gets from the thresholds (the last step at or below it). */
function thresholdColor(panel: Panel, value: number): string {
  let chosen: string | undefined;
  for (const step of thresholdsOf(panel)) {
    if (step.value === null || value >= step.value) chosen = step.color;
  }
  return color(chosen);
}

/** The text and colour a value maps to (state timelines). */
function mapped(panel: Panel, value: number): { text: string; color: string } | undefined {
  const mappings: readonly ValueMapping[] = panel.fieldConfig?.defaults.mappings ?? [];
  for (const mapping of mappings) {
    if (mapping.type !== 'value') continue;
    const hit = mapping.options[String(value)];
    if (hit !== undefined) return { text: hit.text ?? String(value), color: color(hit.color) };
  }
  return undefined;
}

function noData(box: Box): string {
  return `<text x="${num(box.x + box.w / 2)}" y="${num(box.y + box.h / 2)}" fill="${THEME.muted}" font-size="13" text-anchor="middle">No data</text>`;
}

interface Axis {
  readonly unit: string | undefined;
  readonly min: number;
  readonly max: number;
}

function axisOf(
  values: readonly number[],
  unit: string | undefined,
  fixedMin?: number,
  fixedMax?: number,
): Axis {
  let min = fixedMin ?? Math.min(...values);
  let max = fixedMax ?? Math.max(...values);
  if (fixedMin === undefined && min > 0) min = 0;
  if (max <= min) max = min + 1;
  return { unit, min, max };
}

function timeMarks(marks: readonly TimeMark[], box: Box, sx: (t: number) => number): string {
  return marks
    .map((mark) => {
      const x = sx(mark.at);
      if (x < box.x || x > box.x + box.w) return '';
      return (
        `<line x1="${num(x)}" y1="${num(box.y)}" x2="${num(x)}" y2="${num(box.y + box.h)}" stroke="${THEME.muted}" stroke-opacity="0.5" stroke-dasharray="2 3"/>` +
        `<text x="${num(x + 3)}" y="${num(box.y + 9)}" fill="${THEME.muted}" font-size="9">${xml(mark.label)}</text>`
      );
    })
    .join('');
}

function timeseries(
  panel: Panel,
  series: Drawn['series'],
  box: Box,
  range: TimeRange,
  marks: readonly TimeMark[],
): string {
  const finite = (s: Drawn['series']) => s.flatMap((x) => x.points.map(([, v]) => v)).filter(Number.isFinite);
  if (finite(series).length === 0) return noData(box);
  const defaults = panel.fieldConfig?.defaults;
  const right = series.filter((s) => overriddenUnit(panel, s.refId) !== undefined);
  const left = series.filter((s) => overriddenUnit(panel, s.refId) === undefined);
  const leftAxis = axisOf(
    finite(left).length > 0 ? finite(left) : [0],
    defaults?.unit,
    defaults?.min,
    defaults?.max,
  );
  const rightAxis =
    right.length > 0
      ? axisOf(finite(right).length > 0 ? finite(right) : [0], overriddenUnit(panel, right[0]?.refId ?? ''))
      : undefined;
  const legendRows = Math.min(series.length, 3);
  const plot = {
    x: box.x + 52,
    y: box.y + 4,
    w: box.w - (rightAxis === undefined ? 60 : 104),
    h: box.h - 14 - legendRows * 14,
  };
  const sx = (t: number) => plot.x + ((t - range.from) / Math.max(1, range.to - range.from)) * plot.w;
  const syOf = (axis: Axis) => (v: number) =>
    plot.y +
    plot.h -
    ((Math.min(Math.max(v, axis.min), axis.max) - axis.min) / (axis.max - axis.min)) * plot.h;
  const sy = syOf(leftAxis);
  const parts: string[] = [];
  for (const f of [0, 0.5, 1]) {
    const y = plot.y + plot.h * (1 - f);
    parts.push(
      `<line x1="${num(plot.x)}" y1="${num(y)}" x2="${num(plot.x + plot.w)}" y2="${num(y)}" stroke="${THEME.grid}"/>`,
    );
    parts.push(
      `<text x="${num(plot.x - 4)}" y="${num(y + 4)}" fill="${THEME.muted}" font-size="10" text-anchor="end">${xml(formatValue(leftAxis.min + (leftAxis.max - leftAxis.min) * f, leftAxis.unit))}</text>`,
    );
    if (rightAxis !== undefined) {
      parts.push(
        `<text x="${num(plot.x + plot.w + 4)}" y="${num(y + 4)}" fill="${THEME.muted}" font-size="10">${xml(formatValue(rightAxis.min + (rightAxis.max - rightAxis.min) * f, rightAxis.unit))}</text>`,
      );
    }
  }
  parts.push(timeMarks(marks, plot, sx));
  for (const step of thresholdsOf(panel)) {
    if (step.value === null || step.value < leftAxis.min || step.value > leftAxis.max) continue;
    const y = sy(step.value);
    parts.push(
      `<line x1="${num(plot.x)}" y1="${num(y)}" x2="${num(plot.x + plot.w)}" y2="${num(y)}" stroke="${color(step.color)}" stroke-dasharray="6 4" stroke-opacity="0.8"/>`,
    );
  }
  series.forEach((s, index) => {
    const stroke = PALETTE[index % PALETTE.length];
    const y = overriddenUnit(panel, s.refId) !== undefined && rightAxis !== undefined ? syOf(rightAxis) : sy;
    // Break the line where a value is missing (NaN: no traffic), as Grafana does.
    let path = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (!Number.isFinite(v)) {
        pen = false;
        continue;
      }
      path += `${pen ? 'L' : 'M'}${num(sx(t))} ${num(y(v))}`;
      pen = true;
    }
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${stroke}" stroke-width="1.5"/>`);
  });
  series.slice(0, legendRows).forEach((s, index) => {
    const y = plot.y + plot.h + 14 + index * 14;
    const more =
      index === legendRows - 1 && series.length > legendRows ? `  (+${series.length - legendRows} more)` : '';
    const axis = overriddenUnit(panel, s.refId) !== undefined ? '  (right axis)' : '';
    parts.push(
      `<rect x="${num(plot.x)}" y="${num(y - 8)}" width="10" height="3" fill="${PALETTE[index % PALETTE.length]}"/>`,
    );
    parts.push(
      `<text x="${num(plot.x + 14)}" y="${num(y)}" fill="${THEME.muted}" font-size="10">${xml(s.name + axis + more)}</text>`,
    );
  });
  return parts.join('');
}

function stateTimeline(
  panel: Panel,
  series: Drawn['series'],
  box: Box,
  range: TimeRange,
  marks: readonly TimeMark[],
): string {
  if (series.length === 0) return noData(box);
  const shown = series.slice(0, 8);
  const labelWidth = Math.min(240, box.w * 0.35);
  const band = Math.min(24, (box.h - 4) / shown.length);
  const sx = (t: number) =>
    box.x + labelWidth + ((t - range.from) / Math.max(1, range.to - range.from)) * (box.w - labelWidth);
  const parts: string[] = [];
  const rows = { x: box.x + labelWidth, y: box.y, w: box.w - labelWidth, h: shown.length * band };
  shown.forEach((s, row) => {
    const y = box.y + row * band;
    parts.push(
      `<text x="${num(box.x + labelWidth - 6)}" y="${num(y + band / 2 + 4)}" fill="${THEME.muted}" font-size="10" text-anchor="end">${xml(s.name)}</text>`,
    );
    s.points.forEach(([t, v], i) => {
      const next = s.points[i + 1]?.[0] ?? t + 1;
      const state = mapped(panel, v);
      parts.push(
        `<rect x="${num(sx(t))}" y="${num(y + 1)}" width="${num(Math.max(0.5, sx(next) - sx(t)))}" height="${num(band - 2)}" fill="${state?.color ?? THEME.muted}"/>`,
      );
    });
  });
  parts.push(timeMarks(marks, { ...rows, h: Math.max(rows.h, 12) }, sx));
  const states = (panel.fieldConfig?.defaults.mappings ?? []).flatMap((m) =>
    m.type === 'value'
      ? Object.values(m.options).map((o) => ({ text: o.text ?? '', color: color(o.color) }))
      : [],
  );
  states.forEach((state, i) => {
    const x = rows.x + i * 80;
    const y = rows.y + rows.h + 16;
    parts.push(`<rect x="${num(x)}" y="${num(y - 8)}" width="10" height="10" fill="${state.color}"/>`);
    parts.push(
      `<text x="${num(x + 14)}" y="${num(y + 1)}" fill="${THEME.muted}" font-size="10">${xml(state.text)}</text>`,
    );
  });
  return parts.join('');
}

function stat(panel: Panel, series: Drawn['series'], box: Box): string {
  if (series.length === 0) return noData(box);
  const shown = series.slice(0, 4);
  const w = box.w / shown.length;
  return shown
    .map((s, i) => {
      const last = [...s.points].reverse().find(([, v]) => Number.isFinite(v))?.[1] ?? Number.NaN;
      const fill = thresholdColor(panel, last);
      const x = box.x + i * w;
      return (
        `<rect x="${num(x + 2)}" y="${num(box.y)}" width="${num(w - 4)}" height="${num(box.h)}" rx="3" fill="${fill}" fill-opacity="0.85"/>` +
        `<text x="${num(x + w / 2)}" y="${num(box.y + box.h / 2 + 4)}" fill="#111217" font-size="${num(Math.min(48, box.h / 2.5))}" font-weight="600" text-anchor="middle">${xml(formatValue(last, panel.fieldConfig?.defaults.unit))}</text>` +
        `<text x="${num(x + w / 2)}" y="${num(box.y + box.h - 10)}" fill="#111217" font-size="11" text-anchor="middle">${xml(s.name)}</text>`
      );
    })
    .join('');
}

function heatmap(series: Drawn['series'], box: Box, range: TimeRange, marks: readonly TimeMark[]): string {
  const buckets = series
    .map((s) => ({ le: Number(s.name === '+Inf' ? Infinity : s.name), points: s.points }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  // Bucket counts are cumulative in Prometheus; a heatmap shows each bucket's own share.
  const rows = buckets.map((bucket, i) => ({
    le: bucket.le,
    points: bucket.points.map(([t, v], j) => [t, v - (buckets[i - 1]?.points[j]?.[1] ?? 0)] as const),
  }));
  const all = rows.flatMap((r) => r.points.map(([, v]) => v)).filter((v) => Number.isFinite(v) && v > 0);
  if (all.length === 0) return noData(box);
  const max = Math.max(...all);
  const labelWidth = 48;
  const h = box.h / rows.length;
  const sx = (t: number) =>
    box.x + labelWidth + ((t - range.from) / Math.max(1, range.to - range.from)) * (box.w - labelWidth);
  const parts: string[] = [];
  rows.forEach((row, r) => {
    const y = box.y + box.h - (r + 1) * h;
    if (r % 3 === 0) {
      parts.push(
        `<text x="${num(box.x + labelWidth - 4)}" y="${num(y + h / 2 + 3)}" fill="${THEME.muted}" font-size="9" text-anchor="end">${xml(Number.isFinite(row.le) ? formatValue(row.le, 's') : '+Inf')}</text>`,
      );
    }
    row.points.forEach(([t, v], i) => {
      if (!(v > 0)) return;
      const next = row.points[i + 1]?.[0] ?? t + 1;
      const opacity = Math.sqrt(v / max);
      parts.push(
        `<rect x="${num(sx(t))}" y="${num(y)}" width="${num(Math.max(0.5, sx(next) - sx(t) - 0.5))}" height="${num(h - 0.5)}" fill="#ff9830" fill-opacity="${num(Math.max(0.08, opacity))}"/>`,
      );
    });
  });
  parts.push(timeMarks(marks, { x: box.x + labelWidth, y: box.y, w: box.w - labelWidth, h: box.h }, sx));
  return parts.join('');
}

function table(panel: Panel, data: readonly PanelData[], box: Box): string {
  const result = data.find((d) => d.panelId === panel.id);
  const rows = result?.series ?? [];
  if (rows.length === 0) return noData(box);
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r.metric)))].filter(
    (c) => !['job', 'instance', 'otel_scope_name', 'otel_scope_version'].includes(c),
  );
  const all = [...columns, 'Value'];
  const w = box.w / all.length;
  const parts = all.map(
    (c, i) =>
      `<text x="${num(box.x + i * w + 4)}" y="${num(box.y + 12)}" fill="${THEME.text}" font-size="10" font-weight="600">${xml(c.replace(/^rampart_/, ''))}</text>`,
  );
  rows.slice(0, Math.floor((box.h - 18) / 16)).forEach((row, r) => {
    const y = box.y + 30 + r * 16;
    const value = Number(row.values.at(-1)?.[1] ?? Number.NaN);
    columns.forEach((c, i) => {
      parts.push(
        `<text x="${num(box.x + i * w + 4)}" y="${num(y)}" fill="${THEME.muted}" font-size="10">${xml(row.metric[c] ?? '')}</text>`,
      );
    });
    parts.push(
      `<text x="${num(box.x + columns.length * w + 4)}" y="${num(y)}" fill="${thresholdColor(panel, value)}" font-size="10">${xml(formatValue(value, panel.fieldConfig?.defaults.unit))}</text>`,
    );
  });
  return parts.join('');
}

function panelSvg(
  panel: Panel,
  data: readonly PanelData[],
  range: TimeRange,
  marks: readonly TimeMark[],
  top: number,
): string {
  const grid = panel.gridPos ?? { x: 0, y: 0, w: 12, h: 8 };
  const frame = {
    x: grid.x * COLUMN + PAD / 2,
    y: top + grid.y * ROW_UNIT + PAD / 2,
    w: grid.w * COLUMN - PAD,
    h: grid.h * ROW_UNIT - PAD,
  };
  const body = { x: frame.x + 8, y: frame.y + 28, w: frame.w - 16, h: frame.h - 36 };
  const series = seriesOf(panel, data);
  let content: string;
  switch (panel.type) {
    case 'timeseries':
      content = timeseries(panel, series, body, range, marks);
      break;
    case 'state-timeline':
      content = stateTimeline(panel, series, body, range, marks);
      break;
    case 'stat':
      content = stat(panel, series, body);
      break;
    case 'heatmap':
      content = heatmap(series, body, range, marks);
      break;
    case 'table':
      content = table(panel, data, body);
      break;
    default:
      content = noData(body);
  }
  return (
    `<g><rect x="${num(frame.x)}" y="${num(frame.y)}" width="${num(frame.w)}" height="${num(frame.h)}" rx="4" fill="${THEME.panel}" stroke="${THEME.border}"/>` +
    `<text x="${num(frame.x + 10)}" y="${num(frame.y + 18)}" fill="${THEME.text}" font-size="13" font-weight="500">${xml(panel.title ?? '')}</text>` +
    `${content}</g>`
  );
}

export interface PreviewOptions {
  /** Vertical markers on every time axis, e.g. the phases of a test run. */
  readonly marks?: readonly TimeMark[];
  /** Where the data comes from, shown under the title. */
  readonly caption?: string;
}

/**
 * Renders `model` as an SVG, each panel filled with the series of its queries in `data`
 * (panels without data say so). Collapsed rows appear as their header, with the titles of
 * the panels they hold.
 */
export function renderDashboardSvg(
  model: Dashboard,
  data: readonly PanelData[],
  range: TimeRange,
  options: PreviewOptions = {},
): string {
  const marks = options.marks ?? [];
  const parts: string[] = [];
  let bottom = 0;
  for (const item of model.panels ?? []) {
    const grid = item.gridPos ?? { x: 0, y: 0, w: 24, h: 1 };
    if (item.type === 'row') {
      const row = item as RowPanel;
      const y = HEADER + grid.y * ROW_UNIT;
      const inner = row.collapsed
        ? `  ▸ ${row.panels.length} panels: ${row.panels.map((p) => p.title).join(' · ')}`
        : '';
      parts.push(
        `<text x="${PAD}" y="${num(y + 20)}" fill="${THEME.text}" font-size="15" font-weight="600">${xml(row.title ?? '')}<tspan fill="${THEME.muted}" font-size="12" font-weight="400">${xml(inner)}</tspan></text>`,
      );
      // Titles of collapsed panels, for search and for the test that every panel is named.
      for (const p of row.collapsed ? row.panels : []) {
        parts.push(`<title>${xml(p.title ?? '')}</title>`);
      }
      bottom = Math.max(bottom, y + ROW_UNIT);
      continue;
    }
    parts.push(panelSvg(item as Panel, data, range, marks, HEADER));
    bottom = Math.max(bottom, HEADER + (grid.y + grid.h) * ROW_UNIT);
  }
  const variables = (model.templating.list ?? []).map((v) => v.label ?? v.name).join('  ·  ');
  const height = bottom + PAD;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${num(height)}" viewBox="0 0 ${WIDTH} ${num(height)}" font-family="Inter, Helvetica, Arial, sans-serif">` +
    `<rect width="100%" height="100%" fill="${THEME.background}"/>` +
    `<text x="${PAD}" y="26" fill="${THEME.text}" font-size="20" font-weight="600">${xml(model.title ?? '')}</text>` +
    `<text x="${PAD}" y="48" fill="${THEME.muted}" font-size="12">${xml(`Variables: ${variables}${options.caption === undefined ? '' : `   ·   ${options.caption}`}`)}</text>` +
    `${parts.join('\n')}</svg>\n`
  );
}
