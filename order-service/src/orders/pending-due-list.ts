// The PENDING orders of this process with their creation times, so the pending-timeout sweep
// needs no collection scan on FerretDB (which scans for every filter but `{ _id }`; one pass at
// 20,000 orders held the process's only connection for ~1.5–2 s every 30 s).
//
// Complete only where this process is the one writer of its database (FerretDB, the blueprint's
// rule): every order is created here (`add`), leaves PENDING here (`remove`), or was PENDING
// when the list was loaded by one scan at the first sweep. On MongoDB (several instances) the
// sweep keeps its indexed query instead. A stale entry costs one read by `_id`.
import { Injectable } from '@nestjs/common';

@Injectable()
export class PendingDueList {
  /** Order id → creation time (ms); insertion order is roughly creation order. */
  private readonly createdAt = new Map<string, number>();
  private loading: Promise<void> | undefined;

  get loaded(): boolean {
    return this.loading !== undefined;
  }

  /** Fills the list once from a scan (`load`); a failed load is tried again next time. */
  async ensureLoaded(load: () => Promise<{ id: string; createdAt: Date }[]>): Promise<void> {
    this.loading ??= load().then(
      (orders) => {
        for (const o of orders) {
          if (!this.createdAt.has(o.id)) this.createdAt.set(o.id, o.createdAt.getTime());
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
    this.createdAt.set(id, createdAt.getTime());
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
}
