// Integration tests run against the real local infrastructure. Without it they fail at once with
// one line saying how to provide it (never skip).
export function requireEnv(name: 'MONGODB_URI' | 'AMQP_URL'): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(
      `${name} is not set: start the local infrastructure (make infra-up) and export the lines of \`bash scripts/infra.sh env\``,
    );
  }
  return value;
}

/** The same server, a database of this test run's own. */
export function testDatabaseUri(prefix: string): string {
  const url = new URL(requireEnv('MONGODB_URI'));
  url.pathname = `/${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  return url.toString();
}
