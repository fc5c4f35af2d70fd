// OTEL_RESOURCE_ATTRIBUTES, read as OpenTelemetry specifies, for the default of `version`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseResourceAttributes, serviceVersionFromEnvironment } from '../../lib/options/resource-attributes.reader.js';

describe('OTEL_RESOURCE_ATTRIBUTES', () => {
  it('is comma-separated key=value, blanks trimmed, values percent-decoded (UTF-8), "=" allowed in a value', () => {
    const attributes = parseResourceAttributes(' service.name = orders , service.version=2.4.1%2Bbuild%207,note=a=b,city=Z%C3%BCrich,');
    assert.deepEqual(Object.fromEntries(attributes!), {
      'service.name': 'orders',
      'service.version': '2.4.1+build 7',
      note: 'a=b',
      city: 'Zürich',
    });
  });

  it('is discarded whole when malformed: an entry without "=", an empty key, a bad % escape', () => {
    for (const text of ['service.version=1,broken', '=1', 'service.version=%E0%A4%A', 'service.version=100%']) {
      assert.equal(parseResourceAttributes(text), undefined, text);
    }
  });

  it('gives the version its service.version, and none when absent, empty or malformed', () => {
    assert.equal(serviceVersionFromEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,service.version=3.0.0-rc%2E1' }), '3.0.0-rc.1');
    assert.equal(serviceVersionFromEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=orders' }), undefined);
    assert.equal(serviceVersionFromEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=' }), undefined);
    assert.equal(serviceVersionFromEnvironment({ OTEL_RESOURCE_ATTRIBUTES: 'service.version=1,oops' }), undefined);
    assert.equal(serviceVersionFromEnvironment({}), undefined);
  });
});
