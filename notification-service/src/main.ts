// Entry point: validated env, Fastify on PORT (3002), consumers, graceful shutdown — all by the
// kit. The one rule the kit's env schema cannot express (JWKS URL or HS256 secret) is checked
// first, so it also stops the service with one line.
import { ConfigError, loadConfig, startService } from '@eventshop/service-kit';

import { AppModule } from './app.module';
import { authConfigFrom, notificationEnv } from './config/notification-env';

try {
  authConfigFrom(loadConfig(notificationEnv));
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

void startService(AppModule);
