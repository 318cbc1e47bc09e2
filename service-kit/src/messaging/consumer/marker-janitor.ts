import { Logger } from '@nestjs/common';
import type { Collection } from 'mongoose';

/** Deletes processed-event markers past their retention (no TTL indexes on FerretDB). */
export class MarkerJanitor {
  private readonly log = new Logger('Consumer');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly markers: Collection,
    private readonly retentionMs: number,
    private readonly intervalMs = 3_600_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const cutoff = new Date(Date.now() - this.retentionMs);
      const { deletedCount } = await this.markers.deleteMany({ processedAt: { $lt: cutoff } });
      return deletedCount;
    } catch (err) {
      this.log.warn(`marker cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      return 0;
    }
  }
}
