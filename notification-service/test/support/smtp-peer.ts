// A real SMTP server in the test process (smtp-server), which can refuse on purpose, and
// mailparser to read what arrived.
import type { AddressInfo } from 'node:net';

import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type RefusalPhase = 'connect' | 'rcpt' | 'data';

export interface Refusal {
  readonly phase: RefusalPhase;
  readonly code: number;
  readonly text: string;
  /** How many times to refuse; `Infinity` for always. */
  readonly times: number;
  /** Refuse only this recipient (phase `rcpt`). */
  readonly recipient?: string;
}

export interface ReceivedMail {
  readonly envelopeTo: string[];
  readonly parsed: ParsedMail;
}

export class SmtpPeer {
  readonly received: ReceivedMail[] = [];
  /** Refusals answered so far, per phase. */
  readonly refused: Record<RefusalPhase, number> = { connect: 0, rcpt: 0, data: 0 };
  /** Messages whose DATA has arrived and which the peer has not answered yet. */
  readonly inData: ParsedMail[] = [];
  /** Awaited before a message is answered: lets a test hold a send in the middle. */
  beforeAnswer: (parsed: ParsedMail) => Promise<void> = () => Promise.resolve();
  private refusals: { rule: Refusal; left: number }[] = [];
  private server!: SMTPServer;
  port = 0;

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onConnect: (_session, callback) => callback(this.maybeRefuse('connect')),
      onRcptTo: (address, _session, callback) =>
        callback(this.maybeRefuse('rcpt', address.address)),
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then(async (parsed) => {
            this.inData.push(parsed);
            await this.beforeAnswer(parsed);
            this.inData.splice(this.inData.indexOf(parsed), 1);
            const refusal = this.maybeRefuse('data');
            if (refusal) return callback(refusal);
            this.received.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              parsed,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  /** Adds a refusal rule; rules are consulted in the order they were added. */
  refuse(rule: Refusal): void {
    this.refusals.push({ rule, left: rule.times });
  }

  reset(): void {
    this.refusals = [];
    this.received.length = 0;
    this.inData.length = 0;
    this.beforeAnswer = () => Promise.resolve();
    this.refused.connect = this.refused.rcpt = this.refused.data = 0;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private maybeRefuse(phase: RefusalPhase, recipient?: string): Error | undefined {
    const entry = this.refusals.find(
      (r) =>
        r.rule.phase === phase &&
        r.left > 0 &&
        (r.rule.recipient === undefined || r.rule.recipient === recipient),
    );
    if (!entry) return undefined;
    entry.left -= 1;
    this.refused[phase] += 1;
    return Object.assign(new Error(entry.rule.text), { responseCode: entry.rule.code });
  }
}

export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
