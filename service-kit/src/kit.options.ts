import { Inject } from '@nestjs/common';
import type { EnvSchema } from './config/env';
import type { KitConfig } from './config/load-config';
import type { ConsumerDefinition } from './messaging/consumer/handler';

export interface OutboxOptions {
  /** Publishes awaiting their confirm at once (default 100). */
  readonly window?: number;
  /** Per-publish timeout; an unconfirmed entry stays pending (default 5 s). */
  readonly publishTimeoutMs?: number;
  /**
   * How often the relay reads the outbox collections for entries left behind, as a safety net
   * (default 60 s; 5 min on FerretDB, where that read scans every document of each collection).
   * It also reads them at start; entries it was kicked for are kept in memory.
   */
  readonly sweepIntervalMs?: number;
  /**
   * The writer's lease: entries older than this are any sweeper's (of this or another replica),
   * younger ones the writing process's own relay's; a sweep does not even read them (default 3 s).
   */
  readonly sweepAfterMs?: number;
  /**
   * How long a published entry waits before its removal (default 1 s, at most half the lease).
   * Removals waiting together share bulk writes, and the aggregate's next write without events
   * takes its document's waiting removals along (`OutboxWriter.update`): no command of their own.
   */
  readonly removalDelayMs?: number;
}

/** Test-only seams; never set them in a service. */
export interface KitTestHooks {
  /** Called after the broker confirmed entries and before they are removed from the outbox. */
  readonly beforeOutboxRemove?: (eventIds: string[]) => void | Promise<void>;
}

export interface KitOptions<S extends EnvSchema = EnvSchema> {
  /** The service's name, e.g. `order-service`: event `source` is `/<service>`, logs and metrics carry it. */
  readonly service: string;
  /** The service's own env variables, validated at start together with the kit's. */
  readonly env?: S;
  /** Rules across variables (e.g. `validateAuthEnv`): throw a ConfigError to stop with one line. */
  readonly validate?: (config: KitConfig<S>) => void;
  /** The queues this service consumes and their handlers. */
  readonly consumers?: readonly ConsumerDefinition[];
  /** HTTP port when `PORT` is unset (order 3000, inventory 3001, notification 3002). */
  readonly defaultPort?: number;
  readonly outbox?: OutboxOptions;
  /** Processed-event markers older than this are deleted by a sweeper (default 7 days). */
  readonly dedupRetentionMs?: number;
  readonly testHooks?: KitTestHooks;
}

export const KIT_OPTIONS = Symbol('eventshop:kit-options');
export const KIT_CONFIG = Symbol('eventshop:kit-config');

/** Injects the validated configuration: `@InjectConfig() config: KitConfig<typeof myEnv>`. */
export const InjectConfig = (): ParameterDecorator & PropertyDecorator => Inject(KIT_CONFIG);
