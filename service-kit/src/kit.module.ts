import {
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { TerminusModule } from '@nestjs/terminus';
import { AmqpConnection } from '@golevelup/nestjs-rabbitmq';
import { LoggerModule } from 'nestjs-pino';
import type { EnvSchema } from './config/env';
import { loadKitConfig } from './config/kit-config';
import type { KitConfig } from './config/load-config';
import { HealthController } from './health/health.controller';
import { DatabaseAvailableGuard } from './http/database-available.guard';
import { RabbitMQIndicator } from './health/rabbitmq.indicator';
import { KIT_CONFIG, KIT_OPTIONS, type KitOptions } from './kit.options';
import { HttpContext } from './logging/http-context';
import { loggerParams } from './logging/logger-options';
import { HttpMetrics } from './metrics/http-metrics';
import { MessagingMetrics } from './metrics/messaging-metrics';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { openAmqpConnection } from './messaging/amqp-connection';
import { ConsumerHost } from './messaging/consumer/consumer-host';
import { EventFactory } from './messaging/event-factory';
import { OutboxRelay } from './messaging/outbox/outbox-relay';
import { OutboxWriter } from './messaging/outbox/outbox-writer';
import { Publisher } from './messaging/publisher';
import { InsertBatcher } from './persistence/group-commit';
import { GuardedWrites } from './persistence/guarded-writes';
import { checkConditionalWrites, describeMongoServer } from './persistence/mongo-server';
import { MongoWatchdog } from './persistence/mongo-watchdog';
import { Lifecycle } from './shutdown/lifecycle';

/** Marks the dynamic module so `startService` can validate the env before Nest starts. */
export const KIT_MODULE_OPTIONS = Symbol.for('eventshop.kit.module-options');

/** Closes this app's broker connection last (after the graceful part in `Lifecycle`). */
@Injectable()
class AmqpCloser implements OnApplicationShutdown {
  constructor(@Inject(AmqpConnection) private readonly amqp: AmqpConnection) {}
  async onApplicationShutdown(): Promise<void> {
    await this.amqp.close().catch(() => undefined);
  }
}

@Module({})
class KitCoreModule {}

/**
 * The chassis as one module: config, logs, MongoDB, RabbitMQ with its topology, health, metrics,
 * outbox relay, consumers and graceful shutdown. Import it once, in the app's root module.
 */
@Module({})
export class EventShopKitModule {
  static forRoot<S extends EnvSchema>(options: KitOptions<S>): DynamicModule {
    const core: DynamicModule = {
      module: KitCoreModule,
      global: true,
      providers: [
        { provide: KIT_OPTIONS, useValue: options },
        { provide: KIT_CONFIG, useFactory: () => loadKitConfig(options) },
      ],
      exports: [KIT_OPTIONS, KIT_CONFIG],
    };
    const dynamic: DynamicModule = {
      module: EventShopKitModule,
      global: true,
      imports: [
        core,
        LoggerModule.forRootAsync({
          inject: [KIT_CONFIG],
          useFactory: (config: KitConfig) => loggerParams(config, options.service),
        }),
        MongooseModule.forRootAsync({
          inject: [KIT_CONFIG],
          // The pool is the driver's (maxPoolSize 100 unless MONGODB_URI says otherwise): single-
          // document writes are atomic across connections on MongoDB and on the project's FerretDB
          // build; the GuardedWrites provider refuses a server where they are not.
          useFactory: (config: KitConfig) => ({
            uri: config.MONGODB_URI,
            serverSelectionTimeoutMS: 10_000,
            // Bounds each connection attempt and each heartbeat's `hello`, so a heartbeat ends
            // within 2 x 10 s: the MongoWatchdog restarts a monitor silent for longer.
            connectTimeoutMS: 10_000,
            heartbeatFrequencyMS: 10_000,
            // A hung operation holds its connection (all of them with maxPoolSize=1): fail it
            // instead, and let the caller retry.
            socketTimeoutMS: 30_000,
            retryAttempts: 5,
            retryDelay: 2_000,
          }),
        }),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [
        {
          provide: AmqpConnection,
          inject: [KIT_CONFIG],
          useFactory: (config: KitConfig) =>
            openAmqpConnection(config, options.consumers ?? [], options.service),
        },
        AmqpCloser,
        Publisher,
        MetricsService,
        MessagingMetrics,
        HttpMetrics,
        HttpContext,
        EventFactory,
        {
          provide: GuardedWrites,
          inject: [getConnectionToken()],
          useFactory: async (connection: Connection) => {
            // Before the first write: refuse a server whose conditional writes race.
            const server = await describeMongoServer(connection);
            checkConditionalWrites(server, connection.getClient().options.maxPoolSize);
            return new GuardedWrites(connection);
          },
        },
        OutboxRelay,
        OutboxWriter,
        InsertBatcher,
        ConsumerHost,
        Lifecycle,
        RabbitMQIndicator,
        MongoWatchdog,
        // Every route but health and metrics: 503 + Retry-After at once while MongoDB is away.
        { provide: APP_GUARD, useClass: DatabaseAvailableGuard },
      ],
      exports: [
        EventFactory,
        OutboxWriter,
        OutboxRelay,
        GuardedWrites,
        InsertBatcher,
        MetricsService,
        AmqpConnection,
        MongoWatchdog,
      ],
    };
    Object.defineProperty(dynamic, KIT_MODULE_OPTIONS, { value: options, enumerable: false });
    return dynamic;
  }
}

/** Finds the options of the kit module imported (at any depth) by `root`, if any. */
export function findKitOptions(root: unknown, seen = new Set<unknown>()): KitOptions | undefined {
  if (!root || seen.has(root)) return undefined;
  seen.add(root);
  const own = (root as Record<symbol, unknown>)[KIT_MODULE_OPTIONS];
  if (own) return own as KitOptions;
  const imports: unknown[] = [
    ...((typeof root === 'function' ? Reflect.getMetadata('imports', root) : undefined) ?? []),
    ...((root as { imports?: unknown[] }).imports ?? []),
  ];
  for (const child of imports) {
    const found = findKitOptions(child, seen);
    if (found) return found;
  }
  return undefined;
}
