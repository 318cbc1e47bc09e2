// Sends one e-mail over SMTP with nodemailer. Timeouts are short and bounded so that a send
// always ends well inside the notification lease (see SEND_LEASE_MS): a hung server becomes a
// transient failure, not a stuck handler.

import type { OnApplicationShutdown } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';

export interface OutgoingMail {
  readonly to: string;
  readonly subject: string;
  readonly messageId: string;
  readonly text: string;
  readonly html: string;
}

export interface SentMail {
  /** The server's final answer to the message, e.g. `250 OK: queued as …`. */
  readonly response: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

export interface SmtpOptions {
  readonly smtpUrl: string;
  readonly from: string;
  readonly connectionTimeoutMs?: number;
  readonly greetingTimeoutMs?: number;
  readonly socketTimeoutMs?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;
const DEFAULT_GREETING_TIMEOUT_MS = 10_000;
const DEFAULT_SOCKET_TIMEOUT_MS = 30_000;

/** Longest a send can take with the default timeouts, plus margin: the claim lease. */
export const SEND_LEASE_MS = 60_000;

export class SmtpMailSender implements MailSender, OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(private readonly options: SmtpOptions) {
    const url = new URL(options.smtpUrl);
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new Error('SMTP_URL must use smtp:// or smtps://');
    }
    // The URL carries host, port, TLS (smtps) and credentials; the other keys sit beside it.
    this.transport = createTransport({
      url: options.smtpUrl,
      pool: true,
      maxConnections: 2,
      connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
      greetingTimeout: options.greetingTimeoutMs ?? DEFAULT_GREETING_TIMEOUT_MS,
      socketTimeout: options.socketTimeoutMs ?? DEFAULT_SOCKET_TIMEOUT_MS,
    } as Parameters<typeof createTransport>[0]);
  }

  async send(mail: OutgoingMail): Promise<SentMail> {
    const info = (await this.transport.sendMail({
      from: this.options.from,
      to: mail.to,
      subject: mail.subject,
      messageId: mail.messageId,
      text: mail.text,
      html: mail.html,
      // Never let the library read files or URLs named in content.
      disableFileAccess: true,
      disableUrlAccess: true,
    })) as { response?: unknown };
    return { response: typeof info.response === 'string' ? info.response : 'accepted' };
  }

  close(): void {
    this.transport.close();
  }

  /** Runs after the consumers have drained (Nest's last shutdown hook). */
  onApplicationShutdown(): void {
    this.close();
  }
}
