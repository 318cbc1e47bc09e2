// The PENDING orders this process knows of with their creation times, so the pending-timeout
// sweep needs no collection scan on FerretDB on every pass (FerretDB scans for every filter but
// `{ _id }`; one pass at 20,000 orders held the process's only connection for ~1.5–2 s).
//
// Used only where the sweep runs on FerretDB: it records from the first `ensureLoaded` on (a
// scan of every PENDING order at the first sweep), then every order created here (`add`) until
// it leaves PENDING here (`remove`). It is not complete with several replicas: an order another
// replica creates is not in this list, and one another replica confirms stays here until it is
// due, when one read by `_id` removes it. The sweep's periodic backstop query finds what no list
// holds (orders of a replica that died, orders beyond the capacity). On MongoDB the sweep uses
// its indexed query on every pass and the list records nothing.
import { Injectable } from '@nestjs/common';

/** ~100 bytes an entry: the list stays within ~10 MB; the backstop covers orders beyond it. */
export const PENDING_DUE_LIST_CAPACITY = 100_000;

@Injectable()
export class PendingDueList {
  /** Order id → creation time (ms); insertion order is roughly creation order. */
  private readonly createdAt = new Map<string, number>();
  private loading: Promise<void> | undefined;
  private tracking = false;
  private dropped = 0;
  private capacity = PENDING_DUE_LIST_CAPACITY;

  static withCapacity(capacity: number): PendingDueList {
    const list = new PendingDueList();
    list.capacity = capacity;
    return list;
  }

  get loaded(): boolean {
    return this.loading !== undefined;
  }

  /**
   * Starts recording and fills the list once from a scan (`load`); a failed load is tried again
   * next time. Orders added while the scan runs are kept.
   */
  async ensureLoaded(load: () => Promise<{ id: string; createdAt: Date }[]>): Promise<void> {
    this.tracking = true;
    this.loading ??= load().then(
      (orders) => {
        for (const o of orders) {
          if (!this.createdAt.has(o.id)) this.put(o.id, o.createdAt.getTime());
        }
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  add(id: string, createdAt: Date): void {
    if (this.tracking) this.put(id, createdAt.getTime());
  }

  remove(id: string): void {
    this.createdAt.delete(id);
  }

  /** Ids created at or before `cutoff`, oldest first, at most `limit`. */
  overdue(cutoff: Date, limit: number): string[] {
    const c = cutoff.getTime();
    return [...this.createdAt]
      .filter(([, t]) => t <= c)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
  }

  get size(): number {
    return this.createdAt.size;
  }

  /** Orders not recorded because the list was full (found by the backstop query instead). */
  get droppedCount(): number {
    return this.dropped;
  }

  private put(id: string, createdAtMs: number): void {
    if (this.createdAt.size >= this.capacity && !this.createdAt.has(id)) {
      this.dropped++;
      return;
    }
    this.createdAt.set(id, createdAtMs);
  }
}
