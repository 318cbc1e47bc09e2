import { env, type KitConfig } from '@eventshop/service-kit';

/** inventory-service's own variables, validated at start with the kit's. */
export const inventoryEnv = {
  AUTH_ISSUER: env.str(),
  AUTH_AUDIENCE: env.str(),
  /** Keys of the identity provider; or AUTH_HS256_SECRET for local runs. */
  AUTH_JWKS_URL: env.url({ optional: true, protocols: ['https', 'http'] }),
  AUTH_HS256_SECRET: env.str({ optional: true, secret: true }),
  /** SKUs whose stock is exported as gauges, comma-separated. */
  WATCHED_SKUS: env.str({
    default: '',
    pattern: /^$|^[A-Z0-9]+(?:-[A-Z0-9]+)*(?:,[A-Z0-9]+(?:-[A-Z0-9]+)*)*$/,
  }),
};

export type InventoryConfig = KitConfig<typeof inventoryEnv>;

export function watchedSkus(config: InventoryConfig): string[] {
  return config.WATCHED_SKUS.split(',').filter((sku) => sku.length > 0);
}

/** Exactly one source of token keys: JWKS in production, a shared secret for local runs. */
export function authKeySourceProblem(source: NodeJS.ProcessEnv): string | undefined {
  const jwks = (source['AUTH_JWKS_URL'] ?? '').trim() !== '';
  const secret = (source['AUTH_HS256_SECRET'] ?? '').trim() !== '';
  if (!jwks && !secret) return 'AUTH_JWKS_URL or AUTH_HS256_SECRET must be set';
  if (jwks && secret) return 'set only one of AUTH_JWKS_URL and AUTH_HS256_SECRET';
  return undefined;
}
