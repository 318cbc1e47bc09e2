// Integration tests run against the real infrastructure named by env variables; without them a
// test fails with one line that says how to provide them.
import { randomBytes } from 'node:crypto';

const HOW =
  'start the local infrastructure (`make infra-up`) and export its lines (`bash scripts/infra.sh env`), or run `make test`';

export function requireEnv(name: 'MONGODB_URI' | 'AMQP_URL' | 'SMTP_URL'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: ${HOW}`);
  return value;
}

/** A fresh database name for one test file, so parallel work does not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** MONGODB_URI with its database replaced by `database`. */
export function mongoUriFor(database: string): string {
  const url = new URL(requireEnv('MONGODB_URI'));
  url.pathname = `/${database}`;
  return url.toString();
}
