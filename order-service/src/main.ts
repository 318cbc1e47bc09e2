// The order service: HTTP on PORT (3000), consumers of inventory's events, sweepers.
import { startService } from '@eventshop/service-kit';
import { AppModule } from './app.module';
import { BODY_LIMIT_BYTES, configureHttp } from './http/configure-http';

void startService(AppModule, { configure: configureHttp, bodyLimit: BODY_LIMIT_BYTES });
