// The fault timeline printed beside the invariant table: one line per fault (and per other
// disturbance: the load, duplicate deliveries, poison), its start and end in seconds from the
// start of the run, and a bar on a common time axis, so faults that overlap are seen to.
export interface Span {
  readonly label: string;
  readonly startMs: number;
  /** Equal to startMs for a moment (e.g. poison published). */
  readonly endMs: number;
  readonly error?: string;
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** The timeline as plain text, `width` columns for the axis from 0 to the run's end. */
export function formatTimeline(spans: readonly Span[], runMs: number, width = 60): string {
  const end = Math.max(runMs, ...spans.map((s) => s.endMs), 1);
  const column = (ms: number) => Math.min(width - 1, Math.floor((ms / end) * width));
  const labelWidth = Math.max(5, ...spans.map((s) => s.label.length));
  const head =
    `${'fault'.padEnd(labelWidth)}  ${'start'.padStart(6)}  ${'end'.padStart(6)}  ` +
    `|0 s${`${seconds(end)} s|`.padStart(width - 2)}`;
  const out = [head, '-'.repeat(head.length)];
  for (const s of [...spans].sort((a, b) => a.startMs - b.startMs)) {
    const bar = Array.from({ length: width }, () => '.');
    const from = column(s.startMs);
    const to = column(s.endMs);
    if (s.endMs === s.startMs) bar[from] = '^';
    else for (let i = from; i <= to; i++) bar[i] = '=';
    out.push(
      `${s.label.padEnd(labelWidth)}  ${seconds(s.startMs).padStart(6)}  ` +
        `${seconds(s.endMs).padStart(6)}  |${bar.join('')}|` +
        (s.error ? `  FAILED: ${s.error}` : ''),
    );
  }
  return out.join('\n');
}

/** Pairs of spans that overlap in time (both longer than a moment), as label pairs. */
export function overlaps(spans: readonly Span[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [i, a] of spans.entries()) {
    for (const b of spans.slice(i + 1)) {
      if (
        a.endMs > a.startMs &&
        b.endMs > b.startMs &&
        a.startMs < b.endMs &&
        b.startMs < a.endMs
      ) {
        pairs.push([a.label, b.label]);
      }
    }
  }
  return pairs;
}
