import { startService } from '@eventshop/service-kit';
import { AppModule } from './app.module';
import { authKeySourceProblem } from './config/inventory-env';
import { configureHttp } from './http/configure-http';

// A rule across two variables, which the kit's per-variable validation cannot express: checked
// here so a bad setup stops with one line, like every other configuration error.
const problem = authKeySourceProblem(process.env);
if (problem !== undefined) {
  process.stderr.write(`config: ${problem}\n`);
  process.exit(1);
}

void startService(AppModule, { configure: (app) => void configureHttp(app) });
