// Where a process's CPU time went, as a tree of call paths: read from `perf script` (every CPU
// sample, kernel included) or from a V8 CPU profile (node --cpu-prof: JavaScript's view only),
// drawn as a flame graph (SVG) and summed by kind of code.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Frame {
  name: string;
  kind: FrameKind;
  self: number;
  total: number;
  children: Map<string, Frame>;
}

/**
 * Portcullis's own code, its libraries, Node's JavaScript (node:http and streams), the runtime
 * (V8, Node's C++, libuv, libc), the kernel (syscalls, loopback TCP), and V8's own bookkeeping
 * (GC, "program") in a V8 profile.
 */
export type FrameKind = 'portcullis' | 'library' | 'node' | 'runtime' | 'kernel' | 'meta';

export const FRAME_KINDS: FrameKind[] = [
  'portcullis',
  'library',
  'node',
  'runtime',
  'kernel',
  'meta',
];

const COLOURS: Record<FrameKind, string> = {
  portcullis: '#e8743b',
  library: '#f2c14e',
  node: '#6ca0dc',
  runtime: '#9ccc65',
  kernel: '#c39bd3',
  meta: '#bdbdbd',
};

/** A call path's frame, outermost first. */
export interface StackFrame {
  name: string;
  kind: FrameKind;
}

/** Adds one sample's call path (outermost frame first) to the tree. */
export function addStack(root: Frame, frames: StackFrame[]): void {
  let frame = root;
  root.total++;
  for (const { name, kind } of frames) {
    let child = frame.children.get(name);
    if (child === undefined) {
      child = newFrame(name, kind);
      frame.children.set(name, child);
    }
    child.total++;
    frame = child;
  }
  frame.self++;
}

export function emptyTree(): Frame {
  return newFrame('all', 'meta');
}

/**
 * The samples of `perf script` output (perf record -g on a Node started with --perf-basic-prof,
 * so that JIT-compiled JavaScript has names).
 */
export function perfCallTree(script: string): Frame {
  const root = emptyTree();
  for (const block of script.split(/\n\s*\n/)) {
    const lines = block
      .split('\n')
      .slice(1)
      .map((line) => line.trim())
      .filter(Boolean);
    if (lines.length === 0) continue;
    addStack(root, lines.reverse().map(perfFrame));
  }
  return root;
}

/** `  7f98c6 JS:*handle file:///.../dist/adapters/x.js:37:11+0xb6 (/tmp/perf-1.map)` */
function perfFrame(line: string): StackFrame {
  const match = /^[0-9a-f]+ (.*?)(?:\+0x[0-9a-f]+)? \((.*)\)$/.exec(line);
  const symbol = match?.[1] ?? '[unknown]';
  const dso = match?.[2] ?? '';
  if (dso.includes('kernel')) return { name: symbol, kind: 'kernel' };
  const js = /^JS:[*~^+-]?(\S*) (\S+?)(?::\d+)?$/.exec(symbol);
  if (js === null) return { name: symbol, kind: 'runtime' };
  const url = js[2]!;
  const lineEnd = /:(\d+)$/.exec(url);
  const file = url.replace(/:\d+$/, '');
  return {
    name: `${js[1] || '(anonymous)'} ${shortFile(file)}${lineEnd ? `:${lineEnd[1]}` : ''}`,
    kind: kindOfUrl(file),
  };
}

/** The samples between `fromMs` and `toMs` after the V8 profile started, merged by call path. */
export function v8CallTree(profile: CpuProfile, fromMs: number, toMs: number): Frame {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const root = emptyTree();
  let time = profile.startTime;
  profile.samples.forEach((id, index) => {
    time += profile.timeDeltas[index] ?? 0;
    const at = (time - profile.startTime) / 1000;
    if (at < fromMs || at > toMs) return;
    const stack: ProfileNode[] = [];
    for (let node = byId.get(id); node !== undefined; node = byId.get(parent.get(node.id) ?? -1)) {
      stack.push(node);
    }
    stack.reverse();
    // The profile's own root and the idle samples are no one's work.
    const frames = stack.filter((node) => node.callFrame.functionName !== '(root)');
    if (frames.length === 1 && frames[0]!.callFrame.functionName === '(idle)') return;
    addStack(
      root,
      frames.map((node) => ({ name: frameName(node.callFrame), kind: kindOf(node.callFrame) })),
    );
  });
  return root;
}

/** The functions with the most samples of their own, as shares of the busy samples. */
export function topFunctions(
  root: Frame,
  count: number,
): { name: string; kind: FrameKind; share: number }[] {
  const self = new Map<string, { kind: FrameKind; samples: number }>();
  const walk = (frame: Frame) => {
    if (frame.self > 0) {
      const entry = self.get(frame.name) ?? { kind: frame.kind, samples: 0 };
      entry.samples += frame.self;
      self.set(frame.name, entry);
    }
    for (const child of frame.children.values()) walk(child);
  };
  walk(root);
  return [...self]
    .sort((a, b) => b[1].samples - a[1].samples)
    .slice(0, count)
    .map(([name, { kind, samples }]) => ({ name, kind, share: samples / root.total }));
}

/** Shares of the busy samples by kind of code (self time). */
export function sharesByKind(root: Frame): Record<FrameKind, number> {
  const shares = Object.fromEntries(FRAME_KINDS.map((kind) => [kind, 0])) as Record<
    FrameKind,
    number
  >;
  const walk = (frame: Frame) => {
    shares[frame.kind] += frame.self / root.total;
    for (const child of frame.children.values()) walk(child);
  };
  walk(root);
  return shares;
}

/** Root at the bottom, callees above; widths are shares of the busy samples. */
export function flameGraphSvg(root: Frame, title: string): string {
  const width = 1200;
  const rowHeight = 17;
  const minWidth = 0.5;
  const depth = (frame: Frame): number =>
    1 + Math.max(0, ...[...frame.children.values()].map(depth));
  const rows = Math.min(depth(root), 60);
  const top = 40;
  const height = top + rows * rowHeight + 30;
  const rects: string[] = [];
  const draw = (frame: Frame, x: number, level: number) => {
    const w = (frame.total / root.total) * width;
    if (w < minWidth || level >= rows) return;
    const y = top + (rows - level - 1) * rowHeight;
    const share = ((100 * frame.total) / root.total).toFixed(1);
    const label = w > 60 ? fit(frame.name, Math.floor(w / 6.5)) : '';
    rects.push(
      `<g><title>${escape(frame.name)} (${share}%)</title>` +
        `<rect x="${x.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${rowHeight - 1}" fill="${COLOURS[frame.kind]}" rx="2"/>` +
        (label ? `<text x="${(x + 3).toFixed(1)}" y="${y + 12}">${escape(label)}</text>` : '') +
        '</g>',
    );
    let offset = x;
    for (const child of [...frame.children.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      draw(child, offset, level + 1);
      offset += (child.total / root.total) * width;
    }
  };
  draw(root, 0, 0);
  const legend = FRAME_KINDS.map(
    (kind, i) =>
      `<rect x="${10 + i * 130}" y="${height - 20}" width="12" height="12" fill="${COLOURS[kind]}"/>` +
      `<text x="${26 + i * 130}" y="${height - 10}">${kind === 'meta' ? 'V8 GC, program' : kind}</text>`,
  ).join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="monospace" font-size="11">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text x="10" y="20" font-size="14">${escape(title)}</text>` +
    rects.join('') +
    legend +
    '</svg>\n'
  );
}

function newFrame(name: string, kind: FrameKind): Frame {
  return { name, kind, self: 0, total: 0, children: new Map() };
}

function frameName(frame: CallFrame): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name} ${shortFile(frame.url)}:${frame.lineNumber + 1}`;
}

function shortFile(url: string): string {
  return url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, '')
    .replace(/^file:\/\//, '');
}

function kindOf(frame: CallFrame): FrameKind {
  if (frame.functionName.startsWith('(')) return 'meta';
  if (frame.url === '') return 'runtime';
  return kindOfUrl(frame.url);
}

function kindOfUrl(url: string): FrameKind {
  if (url.includes('/node_modules/')) return 'library';
  if (url.startsWith('node:')) return 'node';
  if (url.includes('/dist/')) return 'portcullis';
  return 'runtime';
}

function fit(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, Math.max(0, chars - 1))}…`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
