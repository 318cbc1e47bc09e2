import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository root: the nearest folder above `from` that holds compose.yaml and the Makefile. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  while (!(existsSync(join(dir, 'compose.yaml')) && existsSync(join(dir, 'Makefile')))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`no repository root (compose.yaml + Makefile) above ${from}`);
    dir = parent;
  }
  return dir;
}
