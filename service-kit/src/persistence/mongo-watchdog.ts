import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import type { KitConfig } from '../config/load-config';
import { KIT_CONFIG } from '../kit.options';

// The driver internals the watchdog reads (mongodb 6 and 7). Every one is optional and checked
// where used: if a later driver renames them, the watchdog does nothing.
interface DriverSocket {
  readonly destroyed?: boolean;
  listenerCount(event: string): number;
  emit(event: 'error', error: Error): boolean;
}
interface DriverConnection {
  readonly socket?: DriverSocket;
}
interface DriverMonitor {
  readonly connection?: DriverConnection | null;
  readonly s?: { readonly state?: string };
  close?(): void;
  connect?(): void;
}
interface DriverServer {
  readonly description?: { readonly type?: string; readonly address?: string };
  readonly monitor?: DriverMonitor | null;
  readonly pool?: { readonly checkedOut?: Set<DriverConnection> };
}
interface DriverClient {
  readonly topology?: { readonly s?: { readonly servers?: Map<string, DriverServer> } };
  readonly options?: { readonly connectTimeoutMS?: number; readonly heartbeatFrequencyMS?: number };
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

/**
 * Keeps the MongoDB driver from staying disconnected after the server restarts, and tells
 * readiness and the HTTP guard whether MongoDB is usable.
 *
 * Node destroys a socket when the peer closes it (or on an error) and delivers `close` only once
 * the handle is closed, later in the event loop. A command written in between (the driver still sees the connection open) gets `false` from
 * `socket.write` and waits for `drain`, which a destroyed socket never emits, nor `error`, and
 * its timeout is gone with it: the command never settles. For the server monitor (a heartbeat
 * that starts in that turn, e.g. requested by the retry of an operation that just failed on the
 * pool's connection) that means no heartbeat ever again: the server stays `Unknown` and every
 * operation fails server selection until the process restarts. For the pool's only connection
 * (`maxPoolSize=1`) it means every later checkout waits forever.
 *
 * Each turn the watchdog (1) fails a command waiting for `drain` on a destroyed socket, by
 * emitting the `error` the socket never emitted: the command fails, the heartbeat reports the
 * failure and the monitor carries on (reconnecting), or the pool's connection is released; (2) restarts a monitor that reported no heartbeat for longer
 * than a heartbeat can take. `available()` feeds readiness and the HTTP guard that answers 503
 * while MongoDB is away.
 */
@Injectable()
export class MongoWatchdog implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger('MongoWatchdog');
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private lastHeartbeatAt = Date.now();
  private readonly onHeartbeat = (): void => {
    this.lastHeartbeatAt = Date.now();
  };

  constructor(
    @InjectConnection() private readonly connection: Connection,
    @Inject(KIT_CONFIG) private readonly config: KitConfig,
  ) {
    this.intervalMs = config.MONGODB_WATCHDOG_INTERVAL_MS;
  }

  onApplicationBootstrap(): void {
    const client = this.client();
    client?.on('serverHeartbeatSucceeded', this.onHeartbeat);
    client?.on('serverHeartbeatFailed', this.onHeartbeat);
    this.lastHeartbeatAt = Date.now();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    const client = this.client();
    client?.off('serverHeartbeatSucceeded', this.onHeartbeat);
    client?.off('serverHeartbeatFailed', this.onHeartbeat);
  }

  /**
   * MongoDB is usable: Mongoose is connected and the driver knows the server (a server the
   * driver marked `Unknown` fails every operation's server selection). No I/O: with one pooled
   * connection a ping would queue behind the application's operations.
   */
  available(): boolean {
    const servers = this.servers();
    const known = servers.length > 0 && servers.every((s) => s.description?.type !== 'Unknown');
    return this.connection.readyState === 1 && (servers.length === 0 || known);
  }

  /** One look; public for tests. */
  tick(): void {
    for (const server of this.servers()) {
      this.failWritesOnDestroyedSockets(server);
      this.restartSilentMonitor(server);
    }
  }

  private failWritesOnDestroyedSockets(server: DriverServer): void {
    const connections: DriverConnection[] = [
      ...(server.monitor?.connection ? [server.monitor.connection] : []),
      ...(server.pool?.checkedOut ?? []),
    ];
    for (const c of connections) {
      const socket = c.socket;
      // A destroyed socket never emits `drain`: whoever waits for it waits forever.
      if (!socket?.destroyed || socket.listenerCount('drain') === 0) continue;
      this.log.warn(
        `a command to ${server.description?.address ?? 'MongoDB'} waits to be written on a ` +
          'closed socket; failing it',
      );
      socket.emit('error', new Error('socket closed while a command waited to be written'));
    }
  }

  private restartSilentMonitor(server: DriverServer): void {
    const monitor = server.monitor;
    if (!monitor?.close || !monitor.connect) return;
    const options = this.client()?.options;
    const connectTimeoutMS = options?.connectTimeoutMS || 30_000;
    const heartbeatFrequencyMS = options?.heartbeatFrequencyMS ?? 10_000;
    // A heartbeat connects (connectTimeoutMS) and runs `hello` (connectTimeoutMS), then waits
    // heartbeatFrequencyMS before the next: silence beyond that means it is stuck.
    const stallMs = 2 * connectTimeoutMS + heartbeatFrequencyMS + this.intervalMs;
    const silentMs = Date.now() - this.lastHeartbeatAt;
    if (silentMs <= stallMs) return;
    this.log.error(
      `no heartbeat from the MongoDB monitor of ${server.description?.address ?? 'the server'} ` +
        `for ${silentMs} ms (state ${monitor.s?.state ?? '?'}); restarting it`,
    );
    this.lastHeartbeatAt = Date.now();
    monitor.close();
    monitor.connect();
  }

  private client(): DriverClient | undefined {
    try {
      return this.connection.getClient() as unknown as DriverClient;
    } catch {
      return undefined; // not connected yet
    }
  }

  private servers(): DriverServer[] {
    const servers = this.client()?.topology?.s?.servers;
    return servers ? [...servers.values()] : [];
  }
}
