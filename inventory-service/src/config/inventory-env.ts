import { authEnv, env, type KitConfig } from '@eventshop/service-kit';

/** inventory-service's own variables, validated at start with the kit's. */
export const inventoryEnv = {
  /** AUTH_ISSUER, AUTH_AUDIENCE and one key source: AUTH_JWKS_URL or AUTH_HS256_SECRET. */
  ...authEnv,
  /** SKUs whose stock is exported as gauges, comma-separated. */
  /**
   * How often stock that an interrupted late run left behind is looked for (a scan of the
   * products; a hold is acted on once it was seen by two passes in a row).
   */
  STRAY_STOCK_SWEEP_INTERVAL: env.duration({ default: '10m', min: 100 }),
  WATCHED_SKUS: env.str({
    default: '',
    pattern: /^$|^[A-Z0-9]+(?:-[A-Z0-9]+)*(?:,[A-Z0-9]+(?:-[A-Z0-9]+)*)*$/,
  }),
};

export type InventoryConfig = KitConfig<typeof inventoryEnv>;

export function watchedSkus(config: InventoryConfig): string[] {
  return config.WATCHED_SKUS.split(',').filter((sku) => sku.length > 0);
}
