import type { Provider } from '@nestjs/common';
import { ConfigError, KIT_CONFIG } from '@eventshop/service-kit';
import type { InventoryConfig } from '../../config/inventory-env';
import { JwtVerifier } from './jwt-verifier';

export const authProviders: Provider[] = [
  {
    provide: JwtVerifier,
    inject: [KIT_CONFIG],
    useFactory: (config: InventoryConfig) => {
      // main.ts has checked this already; tests building the app get the same rule
      if (config.AUTH_JWKS_URL === undefined && config.AUTH_HS256_SECRET === undefined) {
        throw new ConfigError('AUTH_JWKS_URL', 'or AUTH_HS256_SECRET must be set');
      }
      return new JwtVerifier({
        issuer: config.AUTH_ISSUER,
        audience: config.AUTH_AUDIENCE,
        ...(config.AUTH_JWKS_URL !== undefined
          ? { jwksUrl: config.AUTH_JWKS_URL }
          : { hs256Secret: config.AUTH_HS256_SECRET! }),
      });
    },
  },
];
