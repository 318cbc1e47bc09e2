import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, PinoLogger } from 'nestjs-pino';
import { ConfigError } from './config/config-error';
import { withEnvOverride } from './config/env-source';
import { loadKitConfig } from './config/kit-config';
import type { KitConfig } from './config/load-config';
import { findKitOptions } from './kit.module';
import { KIT_CONFIG } from './kit.options';
import { loggerParams } from './logging/logger-options';
import { redactSecrets } from './logging/redact';

export interface ServiceAppOptions {
  /** Swagger, CORS, global pipes…: called before `init`. */
  readonly configure?: (app: NestFastifyApplication) => void | Promise<void>;
  /** Values overlaid on `process.env` for this app's config (tests). */
  readonly env?: Record<string, string | undefined>;
  /** Largest accepted request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
}

/** Creates and initialises the app (Fastify, pino logger) without listening. */
export async function createServiceApp(
  module: Type<unknown>,
  options: ServiceAppOptions = {},
): Promise<NestFastifyApplication> {
  return withEnvOverride(options.env, async () => {
    const kitOptions = findKitOptions(module);
    const config = kitOptions ? loadKitConfig(kitOptions) : undefined;
    const proxies = config?.TRUSTED_PROXIES ?? [];
    const app = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter({
        bodyLimit: options.bodyLimit ?? 1_048_576,
        // X-Forwarded-* only from the listed proxies; from anyone else they are the client's words.
        trustProxy: proxies.length > 0 ? proxies : false,
      }),
      {
        abortOnError: false,
        // The service's JSON logger from the first line on. Nest's `bufferLogs` would hold every
        // line until the app is created, and print them as plain text if the creation fails: a
        // start that hangs (a database that does not answer) or is killed would show nothing.
        ...(config && kitOptions
          ? { logger: startupLogger(config, kitOptions.service) }
          : { bufferLogs: true }),
      },
    );
    app.useLogger(app.get(Logger));
    app.flushLogs();
    await options.configure?.(app);
    await app.init();
    return app;
  });
}

/** The same pino root logger the app's LoggerModule uses, before the module exists. */
function startupLogger(config: KitConfig, service: string): Logger {
  const params = loggerParams(config, service);
  return new Logger(new PinoLogger(params), params);
}

function fail(message: string): never {
  process.stderr.write(`${redactSecrets(message)}\n`);
  process.exit(1);
}

/**
 * The whole of a service's main.ts: validates the env (one line and exit 1 when a variable is
 * bad or missing), starts the app on PORT, and on SIGTERM/SIGINT shuts down gracefully — stop
 * consuming, finish in-flight work, flush the relay, close — and exits 0. If that takes longer
 * than SHUTDOWN_GRACE_MS plus a margin, exits 1.
 */
export async function startService(
  module: Type<unknown>,
  options: ServiceAppOptions = {},
): Promise<NestFastifyApplication> {
  const kitOptions = findKitOptions(module);
  if (kitOptions) {
    try {
      loadKitConfig(kitOptions);
    } catch (err) {
      if (err instanceof ConfigError) fail(err.message);
      throw err;
    }
  }
  let app: NestFastifyApplication;
  try {
    app = await createServiceApp(module, options);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    fail(`startup failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  const config = app.get<KitConfig>(KIT_CONFIG);
  try {
    await app.listen({ port: config.PORT, host: '0.0.0.0' });
  } catch (err) {
    fail(
      `cannot listen on port ${config.PORT}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) return;
    closing = true;
    const deadline = setTimeout(() => {
      process.stderr.write(`shutdown did not finish within the grace period; exiting\n`);
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS + 5_000);
    deadline.unref();
    app.get(Logger).log(`received ${signal}`, 'Shutdown');
    app.close().then(
      () => process.exit(0),
      (err: unknown) =>
        fail(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return app;
}
