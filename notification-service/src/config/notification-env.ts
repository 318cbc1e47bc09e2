// The service's own env variables (the kit validates them at start with its own: MONGODB_URI,
// AMQP_URL, PORT, LOG_LEVEL, RETRY_DELAYS, …). A bad value stops the service with one line.
import { authEnv, env, type KitConfig } from '@eventshop/service-kit';

export const notificationEnv = {
  /** smtp://host:port or smtps://user:pass@host:port */
  SMTP_URL: env.url({ protocols: ['smtp', 'smtps'], secret: true }),
  /** Sender of every e-mail, e.g. `EventShop <orders@example.com>`. */
  MAIL_FROM: env.str({ pattern: /^[^\r\n]*[^\s@<>]+@[^\s@<>]+[^\r\n]*$/ }),
  /** AUTH_ISSUER, AUTH_AUDIENCE and one key source: AUTH_JWKS_URL or AUTH_HS256_SECRET. */
  ...authEnv,
  /**
   * How long a started send keeps other deliveries of its event and of its order's other outcomes
   * away (decisions 0006, 0023).
   */
  NOTIFICATION_SEND_LEASE: env.duration({ default: '60s', min: 1000 }),
} as const;

export type NotificationConfig = KitConfig<typeof notificationEnv>;

/**
 * A delivery that finds a send in progress is retried through the tiers; if the lease outlasts
 * all of them, the event of a crashed send is parked instead of being sent. Says so, or nothing.
 */
export function leaseWarning(config: NotificationConfig): string | undefined {
  const retryWindow = config.RETRY_DELAYS.reduce((sum, delay) => sum + delay, 0);
  if (config.NOTIFICATION_SEND_LEASE < retryWindow) return undefined;
  return (
    `NOTIFICATION_SEND_LEASE (${config.NOTIFICATION_SEND_LEASE}ms) is not shorter than the sum of ` +
    `RETRY_DELAYS (${retryWindow}ms): a send interrupted by a crash may end in the dead-letter queue`
  );
}
