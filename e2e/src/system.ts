// The whole system for one run of the suite: the three services as they ship, on free ports, in a
// vhost and databases of their own on the running broker and database server, sending mail to the
// running SMTP sink. A short ORDER_PENDING_TIMEOUT makes the timeout path testable. With
// `replicas` > 1 every service runs as that many processes (pods) on their own ports, sharing
// the service's database and queues, as a deployment with several replicas does.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { MongoClient } from 'mongodb';
import { infraEnv, withPath, type InfraEnv } from './env';
import { createServiceUsers, createVhost, deleteUsers, deleteVhost } from './rabbitmq-vhost';
import { ServiceProcess } from './service-process';

export type ServiceName = 'order-service' | 'inventory-service' | 'notification-service';
export const SERVICE_NAMES: readonly ServiceName[] = [
  'inventory-service',
  'order-service',
  'notification-service',
];

export interface SystemOptions {
  /** ORDER_PENDING_TIMEOUT of the order service. */
  readonly pendingTimeout: string;
  /** Where the services' logs go. */
  readonly logDir: string;
  /** Extra env per service (e.g. shorter RETRY_DELAYS for the fault suite). */
  readonly env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Processes per service (default 1). */
  readonly replicas?: number;
}

export interface Auth {
  readonly issuer: string;
  readonly audience: string;
  readonly secret: string;
}

export interface System {
  readonly runId: string;
  /** The run's RabbitMQ vhost. */
  readonly vhost: string;
  /** The run's vhost with the infrastructure's (admin) credentials: for taps, not the services. */
  readonly amqpUrl: string;
  /** Each service's broker user in the run's vhost (it may publish only what it produces). */
  readonly brokerUsers: Readonly<Record<ServiceName, string>>;
  readonly infra: InfraEnv;
  readonly auth: Auth;
  readonly mailFrom: string;
  /** The first pod of each service. */
  readonly services: Readonly<Record<ServiceName, ServiceProcess>>;
  /** Every pod of each service. */
  readonly pods: Readonly<Record<ServiceName, readonly ServiceProcess[]>>;
  /** Each service's database (a MongoDB URI). */
  readonly databases: Readonly<Record<ServiceName, string>>;
  /** Every pod of every service. */
  allPods(): ServiceProcess[];
  /** Stops every service still running (SIGTERM), then deletes the vhost and the databases. */
  dispose(): Promise<void>;
}

/** The repository root: the folder that holds this package (e2e/) and the services. */
export function repositoryRoot(from: string = __dirname): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name === '@eventshop/e2e') return dirname(dir);
    }
  }
  throw new Error(`cannot find the e2e package above ${from}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function dropDatabases(mongoUri: string, names: string[]): Promise<void> {
  const client = new MongoClient(mongoUri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await client.connect();
    for (const name of names) await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
}

export async function startSystem(options: SystemOptions): Promise<System> {
  const infra = infraEnv();
  const root = repositoryRoot();
  const runId = randomBytes(3).toString('hex');
  const vhost = `e2e-${runId}`;
  const database = (service: ServiceName) => `e2e_${runId}_${service.replace('-service', '')}`;
  const auth: Auth = {
    issuer: 'eventshop-e2e',
    audience: 'eventshop',
    secret: randomBytes(32).toString('base64'),
  };
  const mailFrom = 'EventShop (e2e) <orders@eventshop.localhost>';

  await createVhost(infra.managementUrl, vhost, new URL(infra.amqpUrl).username || 'guest');
  const brokerUsers = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `${vhost}-${n}`])) as Record<
    ServiceName,
    string
  >;
  let amqpUrls: Record<string, string>;
  try {
    amqpUrls = await createServiceUsers(root, infra, vhost, `${vhost}-`);
  } catch (err) {
    await deleteUsers(infra.managementUrl, Object.values(brokerUsers)).catch(() => undefined);
    await deleteVhost(infra.managementUrl, vhost).catch(() => undefined);
    throw err;
  }
  const amqpUrlOf = (name: ServiceName) => {
    const url = amqpUrls[name];
    if (!url) throw new Error(`scripts/broker-users.mjs made no user for ${name}`);
    return url;
  };
  const common = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LOG_LEVEL: 'info',
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    AUTH_HS256_SECRET: auth.secret,
  };
  const own: Record<ServiceName, Record<string, string>> = {
    'order-service': {
      ORDER_PENDING_TIMEOUT: options.pendingTimeout,
      // The suites, the fault run and the benchmark place their load through a few customers.
      ORDER_RATE_LIMIT: '1000000',
      ORDER_MAX_OPEN_PER_USER: '1000000',
    },
    'inventory-service': {},
    'notification-service': { SMTP_URL: infra.smtpUrl, MAIL_FROM: mailFrom },
  };
  const replicas = options.replicas ?? 1;
  const databases = {} as Record<ServiceName, string>;
  const pods = {} as Record<ServiceName, ServiceProcess[]>;
  for (const name of SERVICE_NAMES) {
    databases[name] = withPath(infra.mongoUri, database(name));
    pods[name] = [];
    for (let replica = 1; replica <= replicas; replica++) {
      const port = await freePort();
      const env = {
        ...common,
        AMQP_URL: amqpUrlOf(name),
        ...own[name],
        ...options.env?.[name],
        PORT: String(port),
        MONGODB_URI: databases[name],
      };
      const pod = replicas > 1 ? `${name}-${replica}` : name;
      pods[name].push(
        new ServiceProcess(pod, join(root, name), port, env, join(options.logDir, `${pod}.log`)),
      );
    }
  }
  const services = Object.fromEntries(SERVICE_NAMES.map((n) => [n, pods[n][0]!])) as Record<
    ServiceName,
    ServiceProcess
  >;
  const allPods = () => SERVICE_NAMES.flatMap((name) => pods[name]);
  const killAll = () => allPods().forEach((pod) => pod.kill());
  process.once('exit', killAll);

  const dispose = async () => {
    await Promise.all(
      allPods()
        .filter((pod) => pod.running)
        .map((pod) => pod.stop()),
    );
    process.removeListener('exit', killAll);
    await deleteVhost(infra.managementUrl, vhost).catch(() => undefined);
    await deleteUsers(infra.managementUrl, Object.values(brokerUsers)).catch(() => undefined);
    await dropDatabases(infra.mongoUri, SERVICE_NAMES.map(database)).catch(() => undefined);
  };

  try {
    for (const pod of allPods()) pod.assertBuilt();
    for (const pod of allPods()) pod.start();
    await Promise.all(allPods().map((pod) => pod.waitReady()));
  } catch (err) {
    await dispose();
    throw err;
  }
  const amqpUrl = withPath(infra.amqpUrl, encodeURIComponent(vhost));
  return {
    runId,
    vhost,
    amqpUrl,
    brokerUsers,
    infra,
    auth,
    mailFrom,
    services,
    pods,
    databases,
    allPods,
    dispose,
  };
}
