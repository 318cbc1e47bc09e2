// The end-to-end harness: the system under test, its HTTP APIs, tokens and the SMTP sink.
export { infraEnv, withPath, type InfraEnv } from './env';
export { HttpApi, show, type Answer } from './http';
export { MailSink, type Mail } from './mail-sink';
export {
  connectionUsers,
  createServiceUsers,
  createVhost,
  deleteUsers,
  deleteVhost,
} from './rabbitmq-vhost';
export { ServiceProcess, type Exit } from './service-process';
export { Shop, type Item, type Order, type OrderStatus, type Problem, type Product } from './shop';
export {
  repositoryRoot,
  SERVICE_NAMES,
  startSystem,
  type ServiceName,
  type System,
} from './system';
export { Tokens } from './tokens';
export { sleep, waitFor } from './wait';
