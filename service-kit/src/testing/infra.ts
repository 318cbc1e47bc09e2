import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { startContainers, type Containers } from './containers';
import { createVhost, deleteVhost, managementUrlFor } from './management';

const exec = promisify(execFile);

export type InfraPart = 'rabbitmq' | 'mongodb';

/** The env of one test file's own slice of the infrastructure. */
export interface ScopeEnv {
  readonly AMQP_URL: string;
  readonly MONGODB_URI: string;
  readonly RABBITMQ_MANAGEMENT_URL: string;
  readonly [name: string]: string;
}

/** One test file's own vhost and database. */
export interface TestScope {
  readonly vhost: string;
  readonly database: string;
  /** Recomputed on each read: with containers a restarted server may get a new host port. */
  readonly env: ScopeEnv;
  /**
   * Deletes the vhost. The database is kept (its name is unique per scope): FerretDB 1.24 once
   * crashed (SIGBUS in SQLite's WAL) while many drops ran in parallel, and CI starts empty.
   */
  dispose(): Promise<void>;
}

export interface TestInfra {
  /** `external`: the servers of AMQP_URL/MONGODB_URI; `containers`: started by testcontainers. */
  readonly mode: 'external' | 'containers';
  readonly amqpUrl: string;
  readonly mongoUri: string;
  readonly managementUrl: string;
  /** A fresh vhost and database for `name` (a test file or a test). */
  scope(name: string): Promise<TestScope>;
  /** Fault tests: stop, start or restart the broker or the database. */
  stop(part: InfraPart): Promise<void>;
  start(part: InfraPart): Promise<void>;
  restart(part: InfraPart): Promise<void>;
  /** Stops containers this process started (no-op for external servers). Also runs by itself
   * when the process is about to exit. */
  close(): Promise<void>;
}

const HOW_TO = [
  'no test infrastructure: set AMQP_URL and MONGODB_URI to running servers',
  '(e.g. `export $(bash scripts/infra.sh env)`), or set DOCKER_HOST to a Docker/Podman socket',
  'and install testcontainers so the servers can be started in containers',
].join(' ');

/** Replaces the path of a URL (vhost or database) keeping credentials and query. */
function withPath(url: string, path: string): string {
  const u = new URL(url);
  u.pathname = `/${path}`;
  return u.toString();
}

function slug(name: string, max: number): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, max) || 't'
  );
}

abstract class BaseInfra implements TestInfra {
  abstract readonly mode: 'external' | 'containers';
  abstract readonly amqpUrl: string;
  abstract readonly mongoUri: string;
  abstract readonly managementUrl: string;
  abstract stop(part: InfraPart): Promise<void>;
  abstract start(part: InfraPart): Promise<void>;

  async restart(part: InfraPart): Promise<void> {
    await this.stop(part);
    await this.start(part);
  }

  async close(): Promise<void> {
    // external servers are not ours to stop
  }

  async scope(name: string): Promise<TestScope> {
    const suffix = randomBytes(3).toString('hex');
    const vhost = `t-${slug(name, 30)}-${suffix}`;
    const database = `t_${slug(name, 30)}_${suffix}`;
    await createVhost(this.managementUrl, vhost, new URL(this.amqpUrl).username || 'guest');
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const infra = this;
    return {
      vhost,
      database,
      get env(): ScopeEnv {
        return {
          AMQP_URL: withPath(infra.amqpUrl, encodeURIComponent(vhost)),
          MONGODB_URI: withPath(infra.mongoUri, database),
          RABBITMQ_MANAGEMENT_URL: infra.managementUrl,
        };
      },
      async dispose(): Promise<void> {
        await deleteVhost(infra.managementUrl, vhost).catch(() => undefined);
      },
    };
  }
}

/** The running servers named by AMQP_URL / MONGODB_URI; faults through `$INFRA_CTL`. */
class ExternalInfra extends BaseInfra {
  readonly mode = 'external' as const;
  readonly managementUrl: string;

  constructor(
    readonly amqpUrl: string,
    readonly mongoUri: string,
  ) {
    super();
    this.managementUrl = process.env.RABBITMQ_MANAGEMENT_URL || managementUrlFor(amqpUrl);
  }

  private async ctl(action: string, part: InfraPart): Promise<void> {
    const command = process.env.INFRA_CTL;
    if (!command) {
      throw new Error(
        `cannot ${action} ${part}: set INFRA_CTL to a command taking "stop|start|restart rabbitmq|ferretdb"`,
      );
    }
    const name = part === 'mongodb' ? (process.env.INFRA_CTL_MONGODB ?? 'ferretdb') : 'rabbitmq';
    await exec('sh', ['-c', `${command} ${action} ${name}`], { timeout: 180_000 });
  }

  stop(part: InfraPart): Promise<void> {
    return this.ctl('stop', part);
  }
  start(part: InfraPart): Promise<void> {
    return this.ctl('start', part);
  }
  override restart(part: InfraPart): Promise<void> {
    return this.ctl('restart', part);
  }
}

/** RabbitMQ and a MongoDB-compatible server in containers, started once per process. */
class ContainerInfra extends BaseInfra {
  readonly mode = 'containers' as const;
  constructor(private readonly containers: Containers) {
    super();
  }
  get amqpUrl(): string {
    return this.containers.amqpUrl();
  }
  get mongoUri(): string {
    return this.containers.mongoUri();
  }
  get managementUrl(): string {
    return this.containers.managementUrl();
  }
  stop(part: InfraPart): Promise<void> {
    return this.containers.stop(part);
  }
  start(part: InfraPart): Promise<void> {
    return this.containers.start(part);
  }
  override restart(part: InfraPart): Promise<void> {
    return this.containers.restart(part);
  }
  override close(): Promise<void> {
    return this.containers.close();
  }
}

let shared: Promise<TestInfra> | undefined;

/**
 * The integration-test infrastructure, once per process: the servers of AMQP_URL and MONGODB_URI
 * when both are set, otherwise RabbitMQ and MongoDB started with testcontainers (images from
 * RABBITMQ_IMAGE / MONGO_IMAGE). With neither it fails with one line saying how to provide them.
 */
export function testInfra(): Promise<TestInfra> {
  shared ??= (async (): Promise<TestInfra> => {
    const { AMQP_URL, MONGODB_URI } = process.env;
    if (AMQP_URL && MONGODB_URI) return new ExternalInfra(AMQP_URL, MONGODB_URI);
    if (AMQP_URL || MONGODB_URI) {
      throw new Error(
        `only one of AMQP_URL and MONGODB_URI is set; set both, or neither to use containers`,
      );
    }
    let containers: Containers;
    try {
      containers = await startContainers();
    } catch (err) {
      throw new Error(`${HOW_TO} (${err instanceof Error ? err.message : String(err)})`, {
        cause: err,
      });
    }
    // Without Ryuk nobody else removes them: stop them when this process is done.
    process.once('beforeExit', () => void containers.close());
    return new ContainerInfra(containers);
  })();
  shared.catch(() => (shared = undefined));
  return shared;
}
