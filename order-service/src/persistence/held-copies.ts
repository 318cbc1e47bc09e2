// Copies of documents this process read or wrote lately, by `_id`, so that a hot path can skip
// a read whose answer the process already holds. Bounded: the copy used least recently goes
// first. With `maxAgeMs`, a copy held longer than that is forgotten rather than returned.
// Plain memory, one per process: what another replica wrote is not seen here, so every user of
// a copy says why its staleness is acceptable (docs/decisions/0025).
export class HeldCopies<V> {
  private readonly copies = new Map<string, { readonly value: V; readonly since: number }>();

  constructor(
    private readonly max: number,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
    private readonly clock: () => number = Date.now,
  ) {}

  get(id: string): V | undefined {
    const held = this.copies.get(id);
    if (held === undefined) return undefined;
    this.copies.delete(id);
    if (this.clock() - held.since > this.maxAgeMs) return undefined;
    this.copies.set(id, held); // a Map iterates in insertion order: now the most recent
    return held.value;
  }

  set(id: string, value: V): void {
    this.copies.delete(id);
    this.copies.set(id, { value, since: this.clock() });
    if (this.copies.size > this.max) {
      const oldest = this.copies.keys().next();
      if (!oldest.done) this.copies.delete(oldest.value);
    }
  }

  delete(id: string): void {
    this.copies.delete(id);
  }
}
