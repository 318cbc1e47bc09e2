// Summary of a V8 CPU profile (`node --cpu-prof`): the functions with the most self time, and the
// self time by package.
import type { ProfileEntry, ProfileSummary } from './result';

export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly children?: readonly number[];
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** A time window on the monotonic clock the profile's timestamps use (µs). */
export interface Window {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * Where a function lives, without machine paths: the part after the last node_modules/ (a
 * dependency), a node: builtin as is, otherwise the last three path segments.
 */
export function shortLocation(url: string, lineNumber: number): string {
  if (url === '') return '';
  const line = lineNumber >= 0 ? `:${lineNumber + 1}` : '';
  const path = url.replace(/^file:\/\//, '');
  const dep = path.lastIndexOf('node_modules/');
  if (dep >= 0) return path.slice(dep + 'node_modules/'.length) + line;
  if (path.startsWith('node:')) return path + line;
  return path.split('/').slice(-3).join('/') + line;
}

/**
 * The package a frame belongs to (`mongodb`, `@nestjs/core`), `service` for the process's own code,
 * or undefined for Node's builtins, native frames and the bench's preloaded counter (db-tap.js):
 * they count to the code that called them.
 */
export function packageOf(url: string): string | undefined {
  if (url === '' || url.startsWith('node:')) return undefined;
  // the bench's own counter wraps Socket#write in every process: the write belongs to its caller
  if (url.endsWith('/db-tap.js')) return undefined;
  const at = url.lastIndexOf('node_modules/');
  if (at < 0) return 'service';
  // nested node_modules: the innermost package owns the frame
  const [first = '', second = ''] = url.slice(at + 'node_modules/'.length).split('/');
  return first.startsWith('@') ? `${first}/${second}` : first;
}

/** Self time per function; with a window, only the samples taken in it (the load, not the start). */
export function summarizeProfile(
  service: string,
  profile: CpuProfile,
  window?: Window,
  top = 15,
): ProfileSummary {
  const byNode = new Map<number, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    at += dt;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    total += dt;
    byNode.set(nodeId, (byNode.get(nodeId) ?? 0) + dt);
  });
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);
  const nodeById = new Map(profile.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<
    string,
    { functionName: string; location: string; us: number; callers: Map<string, number> }
  >();
  const owners = new Map<string, number>();
  const ownerOf = (id: number): string => {
    const { functionName, url } = nodeById.get(id)!.callFrame;
    if (functionName === '(garbage collector)' || functionName === '(program)') return functionName;
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const owner = packageOf(nodeById.get(at)!.callFrame.url);
      if (owner) return owner;
    }
    return url.startsWith('node:') ? 'node' : functionName || '(native)';
  };
  let idle = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    if (us === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idle += us;
      continue;
    }
    const owner = ownerOf(node.id);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const location = shortLocation(url, lineNumber);
    const name = functionName || '(anonymous)';
    const key = `${name}@${location}`;
    const entry = byFunction.get(key) ?? {
      functionName: name,
      location,
      us: 0,
      callers: new Map(),
    };
    entry.us += us;
    const parent = nodeById.get(parentOf.get(node.id) ?? -1)?.callFrame;
    if (parent) {
      const caller =
        `${parent.functionName || '(anonymous)'} ${shortLocation(parent.url, parent.lineNumber)}`.trim();
      entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
    }
    byFunction.set(key, entry);
  }
  const busy = total - idle;
  const entries: ProfileEntry[] = [...byFunction.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({
      functionName: e.functionName,
      location: e.location,
      calledFrom: [...e.callers].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      selfMs: e.us / 1000,
      selfPercent: busy > 0 ? (100 * e.us) / busy : 0,
    }));
  return {
    service,
    sampledMs: total / 1000,
    idlePercent: total > 0 ? (100 * idle) / total : 0,
    top: entries,
    byPackage: [...owners]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([name, us]) => ({
        name,
        selfMs: us / 1000,
        selfPercent: busy > 0 ? (100 * us) / busy : 0,
      })),
  };
}
