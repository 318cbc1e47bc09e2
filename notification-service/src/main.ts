// Entry point: validated env (the auth rule included), Fastify on PORT (3002), consumers,
// graceful shutdown — all by the kit.
import { startService } from '@eventshop/service-kit';

import { AppModule } from './app.module';

void startService(AppModule);
