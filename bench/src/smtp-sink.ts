// A discarding SMTP server for the run: the notification service mails every confirmed order, and
// thousands of benchmark mails must not flood the shared Mailpit other suites read from.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export class SmtpSink {
  private constructor(
    private readonly server: SMTPServer,
    private readonly counts: { accepted: number },
  ) {}

  /** Mails received so far. */
  get accepted(): number {
    return this.counts.accepted;
  }

  static async start(): Promise<SmtpSink> {
    const counts = { accepted: 0 };
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['AUTH', 'STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          counts.accepted++;
          callback();
        });
      },
    });
    const sink = new SmtpSink(server, counts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return sink;
  }

  get url(): string {
    const address = this.server.server.address() as AddressInfo;
    return `smtp://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
