import type { KitOptions } from '../kit.options';
import { env, type EnvSchema } from './env';
import { envSource } from './env-source';
import { loadConfig, type KitConfig } from './load-config';

/** Loads the config a kit module instance needs: base + the service's variables. */
export function loadKitConfig<S extends EnvSchema>(options: KitOptions<S>): KitConfig<S> {
  const port = options.defaultPort ?? 3000;
  const schema = {
    PORT: env.int({ min: 0, max: 65535, default: port }),
    ...(options.env ?? {}),
  } as unknown as S;
  const config = loadConfig(schema, envSource());
  options.validate?.(config);
  return config;
}
