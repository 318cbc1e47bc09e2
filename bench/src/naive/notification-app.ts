// The equal-work naive pipeline's notification app: on order.confirmed it sends the customer one
// e-mail, as the notification service does. No record of what was sent: a redelivery mails twice.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { naiveEnv, rmq } from './naive-env';
import { sendMail } from './smtp-send';

const env = naiveEnv();

@Controller()
class NotifyController {
  @EventPattern('order.confirmed')
  async confirmed(@Payload() data: { orderId: string; email?: string }) {
    if (!data.email || !env.smtpUrl) return;
    await sendMail(env.smtpUrl, {
      from: 'orders@naive.bench',
      to: data.email,
      subject: `Your order ${data.orderId} is confirmed`,
      text: `Hello,\n\nyour order ${data.orderId} is confirmed.\n`,
    }).catch((err: unknown) => console.error(`mail for ${data.orderId}: ${String(err)}`));
  }
}

@Module({ controllers: [NotifyController] })
class NotificationAppModule {}

async function main(): Promise<void> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(NotificationAppModule, {
    ...rmq(env.amqpUrl, 'naive.notification-events', true),
    logger: ['error', 'warn'],
  });
  app.enableShutdownHooks();
  await app.listen();
  process.stdout.write('ready\n');
}

void main();
