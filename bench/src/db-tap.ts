// Preloaded into a process of the bench (NODE_OPTIONS=--require): counts the database commands it
// sends, by command name, read from the OP_MSG frames it writes to the database port, and writes
// the counts to BENCH_DB_TAP_DIR/<pid>.json every 250 ms. The server's own counters cannot say
// which process sent a command; this can, without touching the process's code.
import { writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';

const OP_MSG = 2013;

/** The command name of an OP_MSG frame (the first key of its body section), or undefined. */
export function commandOf(frame: Uint8Array): string | undefined {
  if (frame.length < 27) return undefined;
  const view = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.readInt32LE(12) !== OP_MSG || view[20] !== 0) return undefined;
  // header 16 + flags 4 + section kind 1 + document length 4 + element type 1 = 26
  const end = view.indexOf(0, 26);
  return end > 26 ? view.toString('utf8', 26, end) : undefined;
}

function install(dir: string, port: number): void {
  const counts: Record<string, number> = {};
  const write = Socket.prototype.write;
  Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
    try {
      if (this.remotePort === port && chunk instanceof Uint8Array) {
        const name = commandOf(chunk);
        if (name) counts[name] = (counts[name] ?? 0) + 1;
      }
    } catch {
      // counting must never break the process
    }
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
  } as typeof Socket.prototype.write;
  const file = join(dir, `${process.pid}.json`);
  const flush = () => {
    try {
      writeFileSync(file, JSON.stringify(counts));
    } catch {
      // the directory went away: the run is over
    }
  };
  setInterval(flush, 250).unref();
  process.once('exit', flush);
}

const dir = process.env.BENCH_DB_TAP_DIR;
const uri = process.env.MONGODB_URI;
if (dir && uri) {
  try {
    install(dir, Number(new URL(uri.replace(/^mongodb:/, 'http:')).port || 27017));
  } catch {
    // no counts from this process
  }
}
