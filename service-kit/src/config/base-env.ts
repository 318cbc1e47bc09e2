import { env } from './env';

/** Variables every service reads; services add their own (`forRoot({ env })`). */
export const baseEnv = {
  MONGODB_URI: env.url({ protocols: ['mongodb', 'mongodb+srv'], secret: true }),
  AMQP_URL: env.url({ protocols: ['amqp', 'amqps'], secret: true }),
  PORT: env.int({ min: 0, max: 65535, default: 3000 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
  }),
  /** Upper bound for a graceful shutdown: stop consuming, drain handlers, flush the relay. */
  SHUTDOWN_GRACE_MS: env.duration({ default: '10s' }),
  /** Delay tiers of the retry topology; one queue `<queue>.retry.<delay>` per tier. */
  RETRY_DELAYS: env.durations({ default: '1s,10s,60s,5m' }),
  /** How often the MongoDB watchdog looks for a stuck driver (see `MongoWatchdog`). */
  MONGODB_WATCHDOG_INTERVAL_MS: env.duration({ default: '5s', min: 100 }),
  /**
   * Proxies whose X-Forwarded-For/-Proto/-Host the HTTP server believes (IPs or CIDR ranges,
   * comma-separated); unset or empty trusts none, so a client cannot forge its address.
   */
  TRUSTED_PROXIES: env.addresses(),
  /** Messages each consumer queue may hold unacknowledged (per process). */
  CONSUMER_PREFETCH: env.int({ min: 1, max: 1000, default: 20 }),
} as const;

export type BaseEnv = typeof baseEnv;
