// The order service: HTTP on PORT (3000), consumers of inventory's events, sweepers. The kit
// validates the env, including the auth rule (exactly one key source), before anything starts.
import { startService } from '@eventshop/service-kit';
import { AppModule } from './app.module';
import { BODY_LIMIT_BYTES, configureHttp } from './http/configure-http';

void startService(AppModule, { configure: configureHttp, bodyLimit: BODY_LIMIT_BYTES });
