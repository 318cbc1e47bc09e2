// Duplicate deliveries: a tap queue sees every event on the run's exchange; copies of real events
// (same body, same event id, same properties) are published again, some at once, some minutes
// later, so every consumer of that type receives them twice.
import { sleep } from '../src';
import { TAP_QUEUE, type Management } from './management';
import { POISON_MARK } from './poison';

interface Seen {
  readonly id: string;
  readonly type: string;
  readonly payload: string;
  readonly properties: Record<string, unknown>;
}

export class DuplicateInjector {
  /** Copies published, by event type. */
  readonly published = new Map<string, number>();
  private readonly pool: Seen[] = [];
  private readonly ids = new Set<string>();
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly broker: Management,
    private readonly max: number,
  ) {}

  get total(): number {
    return [...this.published.values()].reduce((a, b) => a + b, 0);
  }

  async start(): Promise<void> {
    await this.broker.declareTap(TAP_QUEUE);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      await sleep(700);
      // The broker may be restarting: skip this round.
      const fresh = await this.drainTap().catch(() => [] as Seen[]);
      if (this.total >= this.max) continue;
      const copies: Seen[] = [];
      for (const event of fresh) if (Math.random() < 0.08) copies.push(event);
      if (this.pool.length > 0 && Math.random() < 0.3) {
        copies.push(this.pool[Math.floor(Math.random() * this.pool.length)]!);
      }
      for (const copy of copies.slice(0, this.max - this.total)) {
        const routed = await this.broker
          .publish(copy.type, copy.payload, copy.properties)
          .catch(() => false);
        if (routed) this.published.set(copy.type, (this.published.get(copy.type) ?? 0) + 1);
      }
    }
  }

  /** New events from the tap (copies we published come back through it and are ignored). */
  private async drainTap(): Promise<Seen[]> {
    const fresh: Seen[] = [];
    for (;;) {
      const batch = await this.broker.get(TAP_QUEUE, 200, false);
      for (const m of batch) {
        if (m.payload.includes(POISON_MARK)) continue;
        let event: { id?: unknown; type?: unknown };
        try {
          event = JSON.parse(m.payload) as { id?: unknown; type?: unknown };
        } catch {
          continue; // poison
        }
        if (typeof event.id !== 'string' || event.type !== m.routingKey) continue;
        if (this.ids.has(event.id)) continue;
        this.ids.add(event.id);
        const seen = {
          id: event.id,
          type: m.routingKey,
          payload: m.payload,
          properties: m.properties,
        };
        fresh.push(seen);
        this.pool.push(seen);
      }
      if (batch.length < 200) return fresh;
    }
  }
}
