// What the SMTP sink (Mailpit) received, read through its HTTP API: messages to one address.
import { waitFor } from './wait';

export interface Mail {
  readonly id: string;
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
}

interface MailpitSummary {
  ID: string;
  MessageID: string;
  From: { Address: string } | null;
  To: { Address: string }[] | null;
  Subject: string;
}

export class MailSink {
  constructor(private readonly apiUrl: string) {}

  private async get<T>(path: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`Mailpit GET ${path}: HTTP ${res.status}`);
    return (await res.json()) as T;
  }

  /** Every message addressed to exactly `address`, oldest first. */
  async messagesTo(address: string): Promise<Mail[]> {
    const query = encodeURIComponent(`to:"${address}"`);
    const page = await this.get<{ messages: MailpitSummary[] }>(
      `/api/v1/search?query=${query}&limit=200`,
    );
    return page.messages
      .filter((m) => (m.To ?? []).some((to) => to.Address.toLowerCase() === address.toLowerCase()))
      .map((m) => ({
        id: m.ID,
        messageId: m.MessageID,
        from: m.From?.Address ?? '',
        to: (m.To ?? []).map((to) => to.Address),
        subject: m.Subject,
      }))
      .reverse();
  }

  /** The plain-text body of one message. */
  async text(id: string): Promise<string> {
    return (await this.get<{ Text: string }>(`/api/v1/message/${encodeURIComponent(id)}`)).Text;
  }

  /** Waits until `address` has received `count` messages; returns them. */
  async waitForMessages(address: string, count: number, timeoutMs = 20_000): Promise<Mail[]> {
    let last: Mail[] = [];
    return waitFor(
      `${count} e-mail(s) to ${address}`,
      async () => {
        last = await this.messagesTo(address);
        return last.length >= count ? last : undefined;
      },
      timeoutMs,
      () => `got ${last.length}: ${JSON.stringify(last.map((m) => m.subject))}`,
    );
  }
}
