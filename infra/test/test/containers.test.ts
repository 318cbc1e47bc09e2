/**
 * Containers through the engine testcontainers sees (the project's podman socket, or Docker):
 * the images named by RABBITMQ_IMAGE, MONGO_IMAGE, SMTP_IMAGE and NODE_BASE_IMAGE start and serve.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RabbitMQContainer, type StartedRabbitMQContainer } from '@testcontainers/rabbitmq';
import amqp from 'amqplib';
import { MongoClient } from 'mongodb';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { assertContainerEngine, declaredPorts, imageFromEnv } from '../src/container-engine';

// Cold starts on a busy 2-core machine; generous bounds, not performance assertions.
const STARTUP_TIMEOUT_MS = 180_000;

describe('RabbitMQ image in a container', () => {
  const image = imageFromEnv('RABBITMQ_IMAGE', 'rabbitmq:4-management');
  let container: StartedRabbitMQContainer | undefined;

  before(async () => {
    assertContainerEngine();
    const ports = await declaredPorts(image);
    container = await new RabbitMQContainer(image)
      .withExposedPorts(...ports)
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
  });

  after(async () => {
    await container?.stop();
  });

  it('confirms a persistent publish and delivers it back', async () => {
    assert.ok(container, 'container started');
    const connection = await amqp.connect(container.getAmqpUrl());
    try {
      const channel = await connection.createConfirmChannel();
      const queue = `infra-tests.${randomUUID()}`;
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      const body = JSON.stringify({ id: randomUUID(), note: 'confirmed publish' });

      await new Promise<void>((resolve, reject) => {
        channel.sendToQueue(queue, Buffer.from(body), { persistent: true }, (error) =>
          error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(),
        );
      });

      const message = await channel.get(queue, { noAck: false });
      assert.ok(message, 'the confirmed message is in the queue');
      assert.equal(message.content.toString(), body);
      assert.equal(message.properties.deliveryMode, 2);
      channel.ack(message);
      assert.equal((await channel.checkQueue(queue)).messageCount, 0);
      await channel.close();
    } finally {
      await connection.close();
    }
  });
});

describe('MongoDB-compatible image in a container', () => {
  const image = imageFromEnv('MONGO_IMAGE', 'mongo:8');
  let container: StartedTestContainer | undefined;

  before(async () => {
    assertContainerEngine();
    const ports = await declaredPorts(image);
    assert.ok(ports.includes(27017), `${image} declares port 27017 (declares ${ports.join(', ')})`);
    container = await new GenericContainer(image)
      .withExposedPorts(...ports)
      .withWaitStrategy(Wait.forListeningPorts())
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
  });

  after(async () => {
    await container?.stop();
  });

  it('inserts a document and finds it again', async () => {
    assert.ok(container, 'container started');
    const uri =
      `mongodb://${container.getHost()}:${container.getMappedPort(27017)}/` +
      '?directConnection=true&maxPoolSize=1';
    const client = new MongoClient(uri, { serverSelectionTimeoutMS: 30_000 });
    try {
      const orders = client.db('infra_tests').collection<{ _id: string; total: number }>('orders');
      const id = randomUUID();
      await orders.insertOne({ _id: id, total: 1250 });
      assert.deepEqual(await orders.findOne({ _id: id }), { _id: id, total: 1250 });
      assert.equal(await orders.countDocuments({ _id: id }), 1);
    } finally {
      await client.close();
    }
  });
});

describe('SMTP sink image in a container', () => {
  const image = imageFromEnv('SMTP_IMAGE', 'axllent/mailpit');
  let container: StartedTestContainer | undefined;

  before(async () => {
    assertContainerEngine();
    const ports = await declaredPorts(image);
    container = await new GenericContainer(image)
      .withExposedPorts(...ports)
      .withWaitStrategy(Wait.forHttp('/livez', 8025))
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
  });

  after(async () => {
    await container?.stop();
  });

  it('serves its HTTP API with an empty mailbox', async () => {
    assert.ok(container, 'container started');
    const api = `http://${container.getHost()}:${container.getMappedPort(8025)}/api/v1/messages`;
    const body = (await (await fetch(api)).json()) as { total: number };
    assert.equal(body.total, 0);
  });
});

describe('Node base image', () => {
  const image = imageFromEnv('NODE_BASE_IMAGE', 'node:24-bookworm-slim');

  it('runs Node 24 and npm as the node user', async () => {
    assertContainerEngine();
    await declaredPorts(image); // present, or pulled, or a one-line hint how to build it
    const container = await new GenericContainer(image)
      .withUser('node')
      .withCommand(['sleep', 'infinity'])
      .withStartupTimeout(STARTUP_TIMEOUT_MS)
      .start();
    try {
      const node = await container.exec(['node', '-p', 'process.versions.node']);
      assert.equal(node.exitCode, 0, node.output);
      assert.match(node.stdout.trim(), /^24\./);
      const npm = await container.exec(['npm', '--version']);
      assert.equal(npm.exitCode, 0, npm.output);
      assert.match(npm.stdout.trim(), /^\d+\.\d+\.\d+$/);
      const user = await container.exec(['id', '-u']);
      assert.equal(user.stdout.trim(), '1000');
    } finally {
      await container.stop({ timeout: 1 });
    }
  });
});
