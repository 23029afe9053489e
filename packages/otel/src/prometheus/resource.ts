import { randomUUID } from 'node:crypto';
import type { Attributes } from '@opentelemetry/api';

/** Environment variables read here; `process.env` unless a test passes its own. */
export type Env = Readonly<Record<string, string | undefined>>;

const ATTR_SERVICE_NAME = 'service.name';
const ATTR_SERVICE_INSTANCE_ID = 'service.instance.id';

/**
 * Parses `OTEL_RESOURCE_ATTRIBUTES` (`key1=value1,key2=value2`, values percent-encoded as
 * in W3C baggage). A malformed entry is an error naming the variable: a typo in a
 * deployment should stop start-up, not silently drop `service.name`.
 */
export function parseResourceAttributes(value: string, variable = 'OTEL_RESOURCE_ATTRIBUTES'): Attributes {
  const attributes: Attributes = {};
  for (const raw of value.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    const key = eq < 0 ? '' : entry.slice(0, eq).trim();
    if (eq < 0 || key === '') {
      throw new TypeError(
        `${variable}: "${entry}" is not a key=value pair; expected a comma-separated list such as "service.namespace=shop,deployment.environment=prod"`,
      );
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      throw new TypeError(`${variable}: the value of "${key}" is not valid percent-encoding`);
    }
    attributes[key] = decoded;
  }
  return attributes;
}

export interface ResourceInput {
  readonly env: Env;
  /** Overrides OTEL_SERVICE_NAME and a `service.name` in OTEL_RESOURCE_ATTRIBUTES. */
  readonly serviceName?: string | undefined;
  /** Resource attributes given in code; they win over the environment. */
  readonly resource?: Attributes | undefined;
}

/**
 * The resource attributes of the service: OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME,
 * then what the code passes. `service.instance.id` is a random UUID unless given, so that
 * every instance of a fleet is its own series (the Collector turns it into `instance`).
 */
export function resourceAttributes(input: ResourceInput): Attributes {
  const fromEnv = input.env.OTEL_RESOURCE_ATTRIBUTES;
  const attributes: Attributes = fromEnv === undefined ? {} : parseResourceAttributes(fromEnv);
  const envName = input.env.OTEL_SERVICE_NAME?.trim();
  if (envName !== undefined && envName !== '') attributes[ATTR_SERVICE_NAME] = envName;
  Object.assign(attributes, input.resource);
  if (input.serviceName !== undefined) attributes[ATTR_SERVICE_NAME] = input.serviceName;
  if (attributes[ATTR_SERVICE_INSTANCE_ID] === undefined) attributes[ATTR_SERVICE_INSTANCE_ID] = randomUUID();
  return attributes;
}
