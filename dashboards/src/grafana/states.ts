import { MappingType, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import type { CIRCUIT_STATES, HEALTH_STATUSES } from '@rampart/otel';

/** A state of a one-hot state gauge, with the colour it is drawn in. */
export interface StateStyle {
  readonly state: string;
  readonly color: string;
}

type CircuitState = (typeof CIRCUIT_STATES)[number];
type HealthStatus = (typeof HEALTH_STATUSES)[number];

/**
 * Circuit states from best to worst: a fleet panel shows the worst state any instance is
 * in. `isolated` ranks worst because only an operator can end it (`reset()`).
 */
export const CIRCUIT_STATE_STYLES: readonly (StateStyle & { readonly state: CircuitState })[] = [
  { state: 'closed', color: 'green' },
  { state: 'half_open', color: 'yellow' },
  { state: 'open', color: 'red' },
  { state: 'isolated', color: 'purple' },
];

export const HEALTH_STATUS_STYLES: readonly (StateStyle & { readonly state: HealthStatus })[] = [
  { state: 'healthy', color: 'green' },
  { state: 'degraded', color: 'orange' },
  { state: 'unhealthy', color: 'red' },
];

/**
 * Value mappings for a state code made by `stateCode()`: the index in `styles` → the
 * state's name and colour.
 */
export function stateMappings(styles: readonly StateStyle[]): ValueMapping[] {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  styles.forEach((style, index) => {
    options[String(index)] = { text: style.state, color: style.color, index };
  });
  return [{ type: MappingType.ValueToText, options }];
}
