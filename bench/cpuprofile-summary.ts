import { readFileSync } from 'node:fs';

/** The parts of a V8 `.cpuprofile` (as `node --cpu-prof` writes it) that a summary needs. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  what: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Time spent in the function itself. */
  self: ProfileLine[];
  /** Time spent in the function and everything it called (recursion counted once). */
  inclusive: ProfileLine[];
  /** Self time by where the code lives: a node_modules package, the project's own folders, Node, V8. */
  byOrigin: ProfileLine[];
}

const ROOT_MARK = /\/(apps|libs|tools|bench)\/(.*)$/;

/** `pkg` for node_modules code, `apps/ingestion` etc. for ours, `node:internal` for Node, else the V8 pseudo-frame. */
export function originOf(url: string, functionName: string): string {
  if (url === '') return `(${functionName.replace(/[()]/g, '') || 'v8'})`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return 'node:internal';
  const own = ROOT_MARK.exec(url);
  if (own) return `${own[1]}/${own[2].split('/')[0]}`;
  return url;
}

const label = (f: CpuProfile['nodes'][number]['callFrame']): string => {
  const file = f.url.replace(/^.*\/(node_modules|dist)\//, '').replace(/^file:\/\//, '');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
};

function top(map: Map<string, number>, totalMs: number, n: number): ProfileLine[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([what, us]) => ({ what, ms: Math.round(us / 1000), percent: Math.round((1000 * us) / totalMs) / 10 }));
}

/** Self, inclusive and per-origin time of a profile; idle time is left out of the percentages. */
export function summarize(p: CpuProfile, n = 25): ProfileSummary {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const origin = new Map<string, number>();
  let busyUs = 0;
  p.samples.forEach((id, i) => {
    const us = p.timeDeltas[i] ?? 0;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    busyUs += us;
    const leaf = label(node.callFrame);
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    const o = originOf(node.callFrame.url, node.callFrame.functionName);
    origin.set(o, (origin.get(o) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = label(byId.get(cur)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  });
  const totalMs = busyUs / 1000;
  inclusive.delete('(root)');
  return {
    totalMs: Math.round(totalMs),
    self: top(self, totalMs * 1000, n),
    inclusive: top(inclusive, totalMs * 1000, n),
    byOrigin: top(origin, totalMs * 1000, n),
  };
}

/** A named share of the profile: a sample belongs to the first bucket (in list order) any frame of its stack matches. */
export type Bucket = [label: string, frame: RegExp];

/**
 * Splits busy time into buckets by who is on the stack, so that nested work is counted once: a
 * socket write under kafkajs is kafkajs, under Fastify's reply it is Fastify. Frames are matched
 * as `functionName url`.
 */
export function attribute(p: CpuProfile, buckets: Bucket[]): ProfileLine[] {
  const byId = new Map(p.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of p.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const memo = new Map<number, string>();
  const bucketOf = (id: number): string => {
    const known = memo.get(id);
    if (known) return known;
    let best = buckets.length;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)!.callFrame;
      const text = `${f.functionName} ${f.url}`;
      for (let i = 0; i < best; i++)
        if (buckets[i][1].test(text)) {
          best = i;
          break;
        }
    }
    const label = best < buckets.length ? buckets[best][0] : 'other';
    memo.set(id, label);
    return label;
  };
  const totals = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    if (byId.get(id)!.callFrame.functionName === '(idle)') return;
    const us = p.timeDeltas[i] ?? 0;
    busy += us;
    const b = bucketOf(id);
    totals.set(b, (totals.get(b) ?? 0) + us);
  });
  return top(totals, busy, buckets.length + 1);
}

/** Where an ingestion process spends its time, by the step of a webhook's path. */
export const INGESTION_BUCKETS: Bucket[] = [
  ['(garbage collector)', /^\(garbage collector\)/],
  ['contract: parseWiseBody (JSON.parse, copy, zod, links)', /^parseWiseBody /],
  ['key check: keyMatches (sha256)', /^keyMatches /],
  ['event id: deriveEventId (sha256)', /^deriveEventId /],
  ['envelope: serializeEnvelope', /^serializeEnvelope /],
  ['metrics: prom-client', /prom-client/],
  ['Kafka: kafkajs (encode, partition, socket, responses)', /kafkajs/],
  ['Kafka: BatchPublisher (queue, timers)', /batch-publisher/],
  ['WebhooksService.receive (rest)', /webhooks\.service/],
  ['HTTP response: Fastify reply.send + socket write', /^Reply\.send /],
  ['Nest: router, interceptors, params', /@nestjs/],
  ['Fastify: routing, body, reply (incl. socket writes)', /fastify|find-my-way|content-type-parser/],
  ['Node: HTTP parser, sockets, streams', /node:_http|node:net|node:internal\/streams|stream_base/],
  ['V8: (program)', /^\(program\)/],
  ['Node: timers, ticks, promises', /^(processTimers|processTicksAndRejections|runMicrotasks|listOnTimeout) /],
];

/** Where a projector spends its time, by the step of a batch's path. */
export const PROJECTOR_BUCKETS: Bucket[] = [
  ['(garbage collector)', /^\(garbage collector\)/],
  ['contract: parseWiseBody (JSON.parse, copy, zod, links)', /^parseWiseBody /],
  ['envelope: parseEnvelope', /^parseEnvelope /],
  ['projections: projectEvent', /^projectEvent /],
  [
    'rows: projectKafkaBatch, projectMessage (rest)',
    /^(projectKafkaBatch|projectEvents|projectInto|projectMessage|eventStoreRow) |project-batch|project-message/,
  ],
  ['ClickHouse client: JSON rows, HTTP', /@clickhouse/],
  ['Kafka: kafkajs (fetch, decode, commit)', /kafkajs/],
  ['metrics: prom-client', /prom-client/],
  ['V8: (program)', /^\(program\)/],
  [
    'Node: timers, ticks, promises, sockets',
    /^(processTimers|processTicksAndRejections|runMicrotasks|listOnTimeout) |node:net|node:internal\/streams/,
  ],
];

export const formatLines = (title: string, lines: ProfileLine[]): string =>
  [`${title}`, ...lines.map((l) => `  ${String(l.percent.toFixed(1)).padStart(5)} %  ${String(l.ms).padStart(7)} ms  ${l.what}`)].join(
    '\n',
  );

export function formatSummary(s: ProfileSummary): string {
  const block = formatLines;
  return [
    `busy CPU time: ${s.totalMs} ms (idle excluded)`,
    block('self time by origin', s.byOrigin),
    block('self time by function', s.self),
    block('inclusive time by function', s.inclusive),
  ].join('\n\n');
}

if (require.main === module) {
  const [file, count] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/cpuprofile-summary.js <file.cpuprofile> [top n]\n');
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const buckets = /projector/.test(file) ? PROJECTOR_BUCKETS : INGESTION_BUCKETS;
  process.stdout.write(
    `${formatLines('busy time by step', attribute(profile, buckets))}\n\n${formatSummary(summarize(profile, Number(count ?? 25)))}\n`,
  );
}
