// What the SMTP sink received for the run's customers, collected while the run goes on: the sink
// is shared and keeps a bounded number of messages, so mail is read early and remembered.

export type MailKind = 'confirmed' | 'rejected' | 'cancelled' | 'other';

export interface ReceivedMail {
  readonly id: string;
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly kind: MailKind;
  /** The order reference in the subject (first 8 characters of the id, upper case). */
  readonly reference: string;
  /** When the sink received it (ISO 8601). */
  readonly created: string;
}

interface Summary {
  ID: string;
  MessageID: string;
  To: { Address: string }[] | null;
  Subject: string;
  Created: string;
}

const PAGE = 200;

export function kindOf(subject: string): MailKind {
  if (/ is confirmed$/.test(subject)) return 'confirmed';
  if (/ could not be accepted$/.test(subject)) return 'rejected';
  if (/ has been cancelled$/.test(subject)) return 'cancelled';
  return 'other';
}

export class Mailbox {
  private readonly received = new Map<string, ReceivedMail>();

  constructor(
    private readonly apiUrl: string,
    private readonly addresses: readonly string[],
  ) {}

  get all(): ReceivedMail[] {
    return [...this.received.values()];
  }

  /** Reads every message to the run's addresses not seen yet. */
  async collect(): Promise<void> {
    for (const address of this.addresses) {
      const query = encodeURIComponent(`to:"${address}"`);
      for (let start = 0; ; start += PAGE) {
        const res = await fetch(
          `${this.apiUrl}/api/v1/search?query=${query}&start=${start}&limit=${PAGE}`,
          { signal: AbortSignal.timeout(10_000) },
        );
        if (!res.ok) throw new Error(`Mailpit search: HTTP ${res.status}`);
        const page = (await res.json()) as { messages: Summary[] };
        for (const m of page.messages) {
          const to = (m.To ?? []).map((t) => t.Address.toLowerCase());
          if (!to.includes(address.toLowerCase()) || this.received.has(m.ID)) continue;
          this.received.set(m.ID, {
            id: m.ID,
            messageId: m.MessageID,
            to: address,
            subject: m.Subject,
            kind: kindOf(m.Subject),
            reference: /order ([0-9A-F]{8}) /.exec(m.Subject)?.[1] ?? '',
            created: m.Created,
          });
        }
        if (page.messages.length < PAGE) break;
      }
    }
  }
}
