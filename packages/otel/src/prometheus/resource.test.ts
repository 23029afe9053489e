import { describe, expect, it } from 'vitest';
import { parseResourceAttributes, resourceAttributes } from './resource.js';

describe('parseResourceAttributes', () => {
  it('parses comma-separated pairs with percent-encoded values', () => {
    expect(parseResourceAttributes(' service.namespace=shop , team=a%2Cb%3Dc,, empty= ')).toEqual({
      'service.namespace': 'shop',
      team: 'a,b=c',
      empty: '',
    });
  });

  it('names the variable and the bad entry', () => {
    expect(() => parseResourceAttributes('a=1,oops')).toThrow(
      /OTEL_RESOURCE_ATTRIBUTES: "oops" is not a key=value pair/,
    );
    expect(() => parseResourceAttributes('=1')).toThrow(/"=1" is not a key=value pair/);
    expect(() => parseResourceAttributes('a=%E0%A4%A')).toThrow(
      /the value of "a" is not valid percent-encoding/,
    );
  });
});

describe('resourceAttributes', () => {
  it('takes code over OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES', () => {
    const env = {
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs,service.instance.id=pod-1',
      OTEL_SERVICE_NAME: 'env',
    };
    expect(resourceAttributes({ env })).toEqual({ 'service.name': 'env', 'service.instance.id': 'pod-1' });
    expect(resourceAttributes({ env, serviceName: 'code' })['service.name']).toBe('code');
    expect(
      resourceAttributes({ env: { OTEL_RESOURCE_ATTRIBUTES: 'service.name=attrs' } })['service.name'],
    ).toBe('attrs');
  });

  it('gives every instance its own service.instance.id', () => {
    const a = resourceAttributes({ env: {} })['service.instance.id'];
    const b = resourceAttributes({ env: {} })['service.instance.id'];
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    expect(
      resourceAttributes({ env: {}, resource: { 'service.instance.id': 'x' } })['service.instance.id'],
    ).toBe('x');
  });
});
