#!/usr/bin/env node
// A broker user per service, with the permissions the chart gives it (the Permission and
// TopicPermission objects of helm/eventshop/templates/rabbitmq.yaml), read from the chart's own
// sources, so the local broker and a cluster refuse the same things:
//   configure/write/read  helm/eventshop/values.yaml, rabbitmq.permissions.<service>
//   topic write           helm/eventshop/files/topology.yaml, `publishes`: the event types the
//                         contracts' catalog names the service the producer of
//   topic read            the same file: the routing keys of the service's own handlers
// `guest` keeps every right; it is for admin tools and tests, not for the services.
//
//   node scripts/broker-users.mjs grants
//       print each service's permissions (JSON)
//   node scripts/broker-users.mjs apply [--vhost V] [--prefix P] [--passwords DIR]
//           [--management URL] [--amqp URL]
//       create or update the users P<service> (idempotent) and grant them vhost V (default: the
//       AMQP URL's, else /); print `<service>=<AMQP URL as that user, vhost V>` per service.
//       Passwords: DIR/<service>, generated once (mode 600); without DIR, new random ones.
//       The broker: --management (admin credentials in the URL) and --amqp, by default
//       RABBITMQ_MANAGEMENT_URL and AMQP_URL from the environment.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHART = join(ROOT, 'helm/eventshop');
export const SERVICES = ['order', 'inventory', 'notification'];

/** js-yaml as the local registry's install has it (Verdaccio reads its config with it): `make up`
 * then needs no package of its own; `make toolchain` installs it. */
function loadYaml(file) {
  let yaml;
  try {
    const verdaccio = createRequire(join(ROOT, 'infra/verdaccio/package.json'));
    yaml = createRequire(verdaccio.resolve('@verdaccio/config'))('js-yaml');
  } catch {
    throw new Error('no YAML parser in infra/verdaccio/node_modules: run `make toolchain`');
  }
  return yaml.load(readFileSync(file, 'utf8'));
}

/** Go's regexp.QuoteMeta, as the chart's `regexQuoteMeta`. */
const quoteMeta = (s) => s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
const anyOf = (names) => `^(${names.map(quoteMeta).join('|')})$`;

/** Each service's permissions, built as the chart's template builds them. */
export function grants() {
  const { rabbitmq } = loadYaml(join(CHART, 'values.yaml'));
  const topology = loadYaml(join(CHART, 'files/topology.yaml'));
  return Object.fromEntries(
    SERVICES.map((service) => {
      const p = rabbitmq.permissions?.[service];
      const queues = topology[service];
      const publishes = topology.publishes?.[service];
      if (!p?.configure || !p.write || !p.read || !queues || !Array.isArray(publishes)) {
        throw new Error(
          `${service}: no permissions in values.yaml or no topology in topology.yaml`,
        );
      }
      // Queues in key order, as Go templates range over a map.
      const bound = Object.keys(queues)
        .sort()
        .flatMap((queue) => queues[queue]);
      const grant = {
        permissions: { configure: p.configure, write: p.write, read: p.read },
        topic: {
          exchange: rabbitmq.exchange,
          write: anyOf(publishes),
          read: anyOf([...new Set(bound)]),
        },
      };
      return [`${service}-service`, grant];
    }),
  );
}

/** The management API at `url` (credentials in the URL), retried while the broker starts. */
function managementApi(url) {
  const u = new URL(url);
  const authorization = `Basic ${Buffer.from(
    `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`,
  ).toString('base64')}`;
  return async (method, path, body) => {
    for (let attempt = 1; ; attempt++) {
      let res;
      try {
        res = await fetch(`${u.origin}/api${path}`, {
          method,
          headers: { authorization, 'content-type': 'application/json' },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        if (attempt >= 30) {
          throw new Error(`RabbitMQ management ${u.origin}: ${err.message}`, { cause: err });
        }
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      if (!res.ok) {
        throw new Error(
          `RabbitMQ management ${method} ${path}: HTTP ${res.status} ${await res.text()}`,
        );
      }
      return;
    }
  };
}

/** The password kept in `dir`, generated on first use; a fresh one without `dir`. */
function password(dir, service) {
  const fresh = () => randomBytes(24).toString('base64url');
  if (!dir) return fresh();
  const file = join(dir, service);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const value = fresh();
  writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}

/** Creates or updates the users and their grants in `vhost`; returns each service's AMQP URL. */
export async function apply({ managementUrl, amqpUrl, vhost, prefix = '', passwords }) {
  const call = managementApi(managementUrl);
  const v = encodeURIComponent(vhost);
  const urls = {};
  for (const [service, grant] of Object.entries(grants())) {
    const user = `${prefix}${service}`;
    const u = encodeURIComponent(user);
    const secret = password(passwords, service);
    await call('PUT', `/users/${u}`, { password: secret, tags: '' });
    await call('PUT', `/permissions/${v}/${u}`, grant.permissions);
    await call('PUT', `/topic-permissions/${v}/${u}`, grant.topic);
    const url = new URL(amqpUrl);
    url.username = encodeURIComponent(user);
    url.password = secret;
    url.pathname = vhost === '/' ? '' : `/${v}`;
    urls[service] = url.toString();
  }
  return urls;
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      vhost: { type: 'string' },
      prefix: { type: 'string', default: '' },
      passwords: { type: 'string' },
      management: { type: 'string', default: process.env.RABBITMQ_MANAGEMENT_URL },
      amqp: { type: 'string', default: process.env.AMQP_URL },
    },
  });
  const [command] = positionals;
  if (command === 'grants') {
    process.stdout.write(`${JSON.stringify(grants(), null, 2)}\n`);
  } else if (command === 'apply') {
    if (!values.management || !values.amqp) {
      throw new Error('apply needs --management and --amqp (or RABBITMQ_MANAGEMENT_URL, AMQP_URL)');
    }
    const vhost =
      values.vhost ?? (decodeURIComponent(new URL(values.amqp).pathname.slice(1)) || '/');
    const urls = await apply({
      managementUrl: values.management,
      amqpUrl: values.amqp,
      vhost,
      prefix: values.prefix,
      passwords: values.passwords,
    });
    for (const [service, url] of Object.entries(urls)) process.stdout.write(`${service}=${url}\n`);
  } else {
    throw new Error(
      'usage: broker-users.mjs grants | apply [--vhost V] [--prefix P] [--passwords DIR]',
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`broker-users: ${err.message}`);
    process.exit(1);
  });
}
