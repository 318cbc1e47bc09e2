// The equal-work naive pipeline's notification app: on order.confirmed it sends the customer the
// notification service's confirmation e-mail (text and HTML, through nodemailer's pooled SMTP
// transport, as the service sends it). No record of what was sent: a redelivery mails twice.
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { createTransport } from 'nodemailer';
import { naiveEnv, rmq } from './naive-env';
import { orderConfirmedMail, type PricedLine } from './order-mail';

const env = naiveEnv();
const transport = env.smtpUrl
  ? createTransport({ url: env.smtpUrl, pool: true, maxConnections: 2 } as Parameters<
      typeof createTransport
    >[0])
  : undefined;

@Controller()
class NotifyController {
  @EventPattern('order.confirmed')
  async confirmed(
    @Payload()
    data: {
      orderId: string;
      email?: string;
      lines?: PricedLine[];
      totalMinor?: number;
    },
  ) {
    if (!data.email || !transport) return;
    const mail = orderConfirmedMail({
      orderId: data.orderId,
      email: data.email,
      lines: data.lines ?? [],
      totalMinor: data.totalMinor ?? 0,
    });
    await transport
      .sendMail({
        from: 'orders@naive.bench',
        ...mail,
        disableFileAccess: true,
        disableUrlAccess: true,
      })
      .catch((err: unknown) => console.error(`mail for ${data.orderId}: ${String(err)}`));
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
