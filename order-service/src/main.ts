// The order service: HTTP on PORT (3000), consumers of inventory's events, sweepers. The one
// rule the kit's env schema cannot express (a JWKS URL or an HS256 secret, exactly one) is checked
// first, so a bad value stops the service with one line like any other.
import { ConfigError, loadConfig, startService } from '@eventshop/service-kit';
import { AppModule } from './app.module';
import { authConfigFrom, orderEnv } from './config/order-env';
import { BODY_LIMIT_BYTES, configureHttp } from './http/configure-http';

try {
  authConfigFrom(loadConfig(orderEnv));
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
}

void startService(AppModule, { configure: configureHttp, bodyLimit: BODY_LIMIT_BYTES });
