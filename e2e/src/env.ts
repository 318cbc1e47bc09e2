// What the suite needs from the running local infrastructure, read from env. Missing values stop
// the suite with one line saying how to provide them.

export interface InfraEnv {
  /** The broker; the suite runs the services in a vhost of its own on it. */
  readonly amqpUrl: string;
  /** The database server; the suite gives each service a database of its own on it. */
  readonly mongoUri: string;
  /** The SMTP sink the notification service sends to (Mailpit). */
  readonly smtpUrl: string;
  /** Mailpit's HTTP API, where the suite reads what was sent. */
  readonly mailUiUrl: string;
  /** RabbitMQ's management API (creates and deletes the vhost). */
  readonly managementUrl: string;
}

const HOW_TO =
  'start the local infrastructure (`make infra-up`) and export its lines: ' +
  '`export $(bash scripts/infra.sh env)` (make test does this)';

export function infraEnv(env: NodeJS.ProcessEnv = process.env): InfraEnv {
  const required = ['AMQP_URL', 'MONGODB_URI', 'SMTP_URL', 'MAIL_UI_URL'] as const;
  const missing = required.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(`e2e needs ${missing.join(', ')}: ${HOW_TO}`);
  }
  const amqpUrl = env.AMQP_URL!;
  return {
    amqpUrl,
    mongoUri: env.MONGODB_URI!,
    smtpUrl: env.SMTP_URL!,
    mailUiUrl: env.MAIL_UI_URL!.replace(/\/$/, ''),
    managementUrl: env.RABBITMQ_MANAGEMENT_URL || managementUrlFor(amqpUrl),
  };
}

/** `amqp://u:p@host:5672` → `http://u:p@host:15672` (the management plugin's default port). */
export function managementUrlFor(amqpUrl: string): string {
  const u = new URL(amqpUrl);
  const auth = u.username ? `${u.username}:${u.password}@` : 'guest:guest@';
  return `http://${auth}${u.hostname}:15672`;
}

/** The URL with another path (a vhost or a database), credentials and query kept. */
export function withPath(url: string, path: string): string {
  const u = new URL(url);
  u.pathname = `/${path}`;
  return u.toString();
}
