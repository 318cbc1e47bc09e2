/**
 * Where the config is read from: `process.env`, overlaid with the values a test passes to
 * `createServiceApp(Module, { env })` while that app is being created.
 */
let override: Record<string, string | undefined> | undefined;

export function envSource(): NodeJS.ProcessEnv {
  return override ? { ...process.env, ...override } : process.env;
}

export async function withEnvOverride<R>(
  values: Record<string, string | undefined> | undefined,
  fn: () => Promise<R>,
): Promise<R> {
  if (!values) return fn();
  if (override) throw new Error('apps with an env override must be created one at a time');
  override = values;
  try {
    return await fn();
  } finally {
    override = undefined;
  }
}
