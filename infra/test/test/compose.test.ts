/**
 * compose.yaml (the infrastructure for Docker users, with the official images) parses and matches
 * what `make infra-up` serves: the same ports, on loopback, each service with a health check.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { requireEnv } from '../src/env';
import { repoRoot } from '../src/repo';

interface Service {
  image?: string;
  ports?: string[];
  healthcheck?: { test?: string[] | string };
}

const root = repoRoot();
const compose = parse(readFileSync(join(root, 'compose.yaml'), 'utf8')) as {
  services: Record<string, Service>;
};
const services = Object.entries(compose.services);

function portOf(url: string): number {
  return Number(new URL(url).port);
}

describe('compose.yaml', () => {
  it('names the official images through the variables the Makefile sets', () => {
    const images = services.map(([, service]) => service.image);
    for (const image of ['${MONGO_IMAGE:-mongo:8}', '${RABBITMQ_IMAGE:-rabbitmq:4-management}']) {
      assert.ok(images.includes(image), `${image} in ${images.join(', ')}`);
    }
    assert.ok(images.includes('${SMTP_IMAGE:-axllent/mailpit}'));
  });

  it('publishes on loopback only, each port to the same port', () => {
    for (const [name, service] of services) {
      for (const mapping of service.ports ?? []) {
        assert.match(mapping, /^127\.0\.0\.1:(\d+):\1$/, `${name}: ${mapping}`);
      }
    }
  });

  it('publishes the ports of the native infrastructure', () => {
    const published = new Set(
      services.flatMap(([, service]) => (service.ports ?? []).map((p) => Number(p.split(':')[1]))),
    );
    const native = [
      portOf(requireEnv('MONGODB_URI')),
      portOf(requireEnv('AMQP_URL')),
      portOf(requireEnv('RABBITMQ_MANAGEMENT_URL')),
      15692, // RabbitMQ's Prometheus endpoint
      portOf(requireEnv('SMTP_URL')),
      portOf(requireEnv('MAIL_UI_URL')),
      portOf(requireEnv('NPM_REGISTRY')),
    ];
    for (const port of native) assert.ok(published.has(port), `port ${port} is published`);
  });

  it('gives every service a health check', () => {
    for (const [name, service] of services) {
      const test = service.healthcheck?.test;
      assert.ok(test && test.length > 0, `${name} has a health check`);
    }
  });

  it('covers every image variable of infra/images/local.env that names a service image', () => {
    const variables = readFileSync(join(root, 'infra/images/local.env'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0] ?? '')
      .filter((name) => name !== 'NODE_BASE_IMAGE'); // the services' build base, not a service
    const text = readFileSync(join(root, 'compose.yaml'), 'utf8');
    for (const name of variables) assert.ok(text.includes(`\${${name}:-`), `${name} is used`);
  });
});
