// The inventory service: the kit validates the env (the auth rule included) and runs the app.
import { startService } from '@eventshop/service-kit';
import { AppModule } from './app.module';
import { configureHttp } from './http/configure-http';

void startService(AppModule, { configure: (app) => void configureHttp(app) });
