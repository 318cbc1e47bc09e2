// The notification service: consumes order outcomes, e-mails customers, answers operators.
import { Logger, Module } from '@nestjs/common';
import {
  EventShopKitModule,
  JwtAuthGuard,
  jwtVerifierProvider,
  KIT_CONFIG,
  validateAuthEnv,
} from '@eventshop/service-kit';

import { leaseWarning, type NotificationConfig, notificationEnv } from './config/notification-env';
import { ListNotificationsController } from './http/notifications/list-notifications.controller';
import { SmtpMailSender } from './mail/mail-sender';
import { PromNotificationMetrics } from './metrics/notification-metrics';
import {
  MAIL_SENDER,
  NOTIFICATION_METRICS,
  NOTIFY_OPTIONS,
  type NotifyOptions,
} from './messaging/notification-outcomes';
import { NotifyOrderOutcomeHandler } from './messaging/notify-order-outcome.handler';
import { NotifyOrderOutcomeService } from './messaging/notify-order-outcome.service';
import { orderEventsConsumer } from './messaging/order-events.consumer';
import { NotificationPersistenceModule } from './persistence/notification-persistence.module';

export const NOTIFICATION_PORT = 3002;

@Module({
  imports: [
    EventShopKitModule.forRoot({
      service: 'notification-service',
      defaultPort: NOTIFICATION_PORT,
      env: notificationEnv,
      validate: validateAuthEnv,
      consumers: [orderEventsConsumer],
    }),
    NotificationPersistenceModule,
  ],
  controllers: [ListNotificationsController],
  providers: [
    {
      provide: MAIL_SENDER,
      inject: [KIT_CONFIG],
      useFactory: (config: NotificationConfig) =>
        new SmtpMailSender({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }),
    },
    {
      provide: NOTIFY_OPTIONS,
      inject: [KIT_CONFIG],
      useFactory: (config: NotificationConfig): NotifyOptions => {
        const warning = leaseWarning(config);
        if (warning) new Logger('NotificationConfig').warn(warning);
        return { leaseMs: config.NOTIFICATION_SEND_LEASE };
      },
    },
    jwtVerifierProvider,
    { provide: NOTIFICATION_METRICS, useClass: PromNotificationMetrics },
    JwtAuthGuard,
    NotifyOrderOutcomeService,
    NotifyOrderOutcomeHandler,
  ],
})
export class AppModule {}
