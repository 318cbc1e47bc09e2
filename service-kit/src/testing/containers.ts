import { managementUrlFor, waitForManagement } from './management';
import type { InfraPart } from './infra';

/** The servers started in containers for a test run. */
export interface Containers {
  amqpUrl(): string;
  mongoUri(): string;
  managementUrl(): string;
  stop(part: InfraPart): Promise<void>;
  start(part: InfraPart): Promise<void>;
  restart(part: InfraPart): Promise<void>;
  close(): Promise<void>;
}

type Testcontainers = typeof import('testcontainers');

function loadTestcontainers(): Testcontainers {
  try {
    // Optional peer dependency: production images do not carry it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('testcontainers') as Testcontainers;
  } catch {
    throw new Error('testcontainers is not installed (npm install --save-dev testcontainers)');
  }
}

/** Every port the image declares with EXPOSE (podman reports an unpublished one as a null
 * binding, and testcontainers would then wait forever for it). */
async function exposedPorts(
  tc: Testcontainers,
  image: string,
  mustHave: number[],
): Promise<number[]> {
  const client = await tc.getContainerRuntimeClient();
  const name = tc.ImageName.fromString(image);
  if (!(await client.image.exists(name))) await client.image.pull(name);
  const info = await client.image.inspect(name);
  const declared = Object.keys(info.Config?.ExposedPorts ?? {})
    .filter((p) => p.endsWith('/tcp'))
    .map((p) => Number(p.split('/')[0]));
  return [...new Set([...declared, ...mustHave])];
}

/**
 * RabbitMQ (RABBITMQ_IMAGE, default rabbitmq:4-management) and MongoDB (MONGO_IMAGE, default
 * mongo:8; any MongoDB-compatible server listening on 27017 works), started once per process.
 */
export async function startContainers(): Promise<Containers> {
  const tc = loadTestcontainers();
  const rabbitImage = process.env.RABBITMQ_IMAGE || 'rabbitmq:4-management';
  const mongoImage = process.env.MONGO_IMAGE || 'mongo:8';
  const [rabbitPorts, mongoPorts] = await Promise.all([
    exposedPorts(tc, rabbitImage, [5672, 15672]),
    exposedPorts(tc, mongoImage, [27017]),
  ]);
  const [rabbit, mongo] = await Promise.all([
    new tc.GenericContainer(rabbitImage)
      .withExposedPorts(...rabbitPorts)
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start(),
    new tc.GenericContainer(mongoImage)
      .withExposedPorts(...mongoPorts)
      .withWaitStrategy(tc.Wait.forListeningPorts())
      .withStartupTimeout(120_000)
      .start(),
  ]);
  const host = (): string => rabbit.getHost();
  const amqpUrl = (): string => `amqp://guest:guest@${host()}:${rabbit.getMappedPort(5672)}`;
  const managementUrl = (): string =>
    managementUrlFor(amqpUrl()).replace(/:15672$/, `:${rabbit.getMappedPort(15672)}`);
  const mongoUri = (): string =>
    `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/test?directConnection=true`;
  await waitForManagement(managementUrl(), 60_000);

  const rabbitctl = async (command: 'stop_app' | 'start_app'): Promise<void> => {
    const r = await rabbit.exec(['sh', '-c', `rabbitmqctl ${command}`]);
    if (r.exitCode !== 0) throw new Error(`rabbitmqctl ${command}: ${r.output}`);
  };
  let closed: Promise<void> | undefined;
  return {
    amqpUrl,
    mongoUri,
    managementUrl,
    close() {
      closed ??= Promise.all([rabbit.stop(), mongo.stop()]).then(() => undefined);
      return closed;
    },
    async stop(part) {
      if (part === 'rabbitmq') return rabbitctl('stop_app');
      throw new Error('stopping mongodb alone is not supported with containers; use restart');
    },
    async start(part) {
      if (part === 'rabbitmq') return rabbitctl('start_app');
      throw new Error('starting mongodb alone is not supported with containers; use restart');
    },
    async restart(part) {
      if (part === 'rabbitmq') {
        await rabbitctl('stop_app');
        await rabbitctl('start_app');
      } else {
        await mongo.restart();
      }
    },
  };
}
