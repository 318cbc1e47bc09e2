import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { KitConfig } from '../config/load-config';
import { KIT_CONFIG } from '../kit.options';
import { ConsumerHost } from '../messaging/consumer/consumer-host';
import { OutboxRelay } from '../messaging/outbox/outbox-relay';

/**
 * The graceful part of shutdown, run by `app.close()` before Nest closes the HTTP server and the
 * connections: readiness turns false, the kit's consumers are cancelled, in-flight handlers
 * finish and are acked, the relay publishes what it holds. All of it within SHUTDOWN_GRACE_MS;
 * whatever is left is safe (unacked messages are redelivered, outbox entries stay pending).
 */
@Injectable()
export class Lifecycle implements BeforeApplicationShutdown {
  private readonly log = new Logger('Shutdown');
  private shuttingDown = false;

  constructor(
    private readonly consumers: ConsumerHost,
    private readonly relay: OutboxRelay,
    @Inject(KIT_CONFIG) private readonly config: KitConfig,
  ) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const started = Date.now();
    const left = (): number => Math.max(0, this.config.SHUTDOWN_GRACE_MS - (Date.now() - started));
    this.log.log(`shutting down${signal ? ` on ${signal}` : ''}: stop consuming, drain, flush`);
    const drained = await this.consumers.stop(left());
    const flushed = await this.relay.flush(left());
    this.log.log(
      `drained ${drained ? 'all' : 'not all'} deliveries, flushed ${flushed ? 'all' : 'not all'} outbox publishes in ${Date.now() - started}ms`,
    );
  }
}
