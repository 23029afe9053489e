import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  TextBoxVariableBuilder,
  type VariableModel,
  VariableRefresh,
  VariableSort,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { METRIC_CALL_DURATION, promSelector } from '@rampart/otel';
import { LABEL } from '../promql/labels.js';
import { DATASOURCE } from './panels.js';

/** Grafana's value for "All" in a regex matcher. */
const ALL = '.*';

/** Series that every instrumented pipeline has: its calls. */
const calls = (matchers: readonly string[]) => promSelector(METRIC_CALL_DURATION, 'count', matchers);

export function datasourceVariable(): cog.Builder<VariableModel> {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .description(
      'The Prometheus that scrapes your services (directly or through an OpenTelemetry Collector).',
    )
    .type('prometheus');
}

export interface ChoiceOptions {
  /** Allow several values and "All" (overview); a drill-down picks exactly one. */
  readonly multi: boolean;
}

function labelValues(
  name: string,
  label: string,
  selector: string,
  title: string,
  description: string,
  options: ChoiceOptions,
) {
  const variable = new QueryVariableBuilder(name)
    .label(title)
    .description(description)
    .datasource(DATASOURCE)
    .query(`label_values(${selector}, ${label})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(options.multi)
    .includeAll(options.multi);
  if (options.multi) variable.allValue(ALL).current({ text: 'All', value: '$__all', selected: true });
  return variable;
}

/** The service: Prometheus' `job` label (see `LABEL.job` for how each path sets it). */
export function serviceVariable(options: ChoiceOptions): cog.Builder<VariableModel> {
  return labelValues(
    'job',
    LABEL.job,
    calls([]),
    'Service',
    'The service (Prometheus job). Direct scrapes: the scrape job name; through a Collector: service.name.',
    options,
  );
}

/** The instance drill-down: every panel sums over the instances selected here. */
export function instanceVariable(): cog.Builder<VariableModel> {
  return labelValues(
    'instance',
    LABEL.instance,
    calls([`${LABEL.job}=~"$job"`]),
    'Instance',
    'Narrow every panel to some instances of the service; "All" shows the fleet.',
    { multi: true },
  );
}

export function pipelineVariable(options: ChoiceOptions): cog.Builder<VariableModel> {
  return labelValues(
    'pipeline',
    LABEL.pipeline,
    calls([`${LABEL.job}=~"$job"`, `${LABEL.instance}=~"$instance"`]),
    'Pipeline',
    'The rampart pipeline: one protected dependency.',
    options,
  );
}

/** A number the viewer can change, such as a threshold drawn on a panel. */
export function numberVariable(
  name: string,
  label: string,
  value: number,
  description: string,
): cog.Builder<VariableModel> {
  return new TextBoxVariableBuilder(name)
    .label(label)
    .description(description)
    .defaultValue(String(value))
    .current({ text: String(value), value: String(value) });
}
