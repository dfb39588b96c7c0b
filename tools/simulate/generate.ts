import type { WiseEventName } from '@wise/contracts';
import { instituteTimeline } from './institute-timeline';
import type { Planned } from './meeting';
import { instituteSlug, type WorldOptions } from './world';

/** One webhook delivery: which institute's URL it goes to, when, and the exact body bytes. */
export interface SimEvent {
  /** Delivery time in the simulated world, epoch ms. */
  at: number;
  institute: number;
  slug: string;
  name: WiseEventName;
  body: string;
}

type Head = { planned: Planned & { seq: number }; source: Iterator<Planned & { seq: number }>; institute: number };

/** Earlier delivery first; ties by institute then planning order, so the merge is deterministic. */
const before = (a: Head, b: Head) =>
  a.planned.at !== b.planned.at
    ? a.planned.at < b.planned.at
    : a.institute !== b.institute
      ? a.institute < b.institute
      : a.planned.seq < b.planned.seq;

/**
 * Every institute's deliveries merged into one stream in delivery order, lazily: memory holds about
 * a week of each institute, whatever the length of the period. Pure: the same options give the
 * same events, byte for byte.
 */
export function* generateTraffic(o: WorldOptions): Generator<SimEvent> {
  const heap: Head[] = [];
  for (let i = 0; i < o.institutes; i++) {
    const source = instituteTimeline(o, i);
    const first = source.next();
    if (!first.done) push(heap, { planned: first.value, source, institute: i });
  }
  const slugs = Array.from({ length: o.institutes }, (_, i) => instituteSlug(o, i));
  while (heap.length > 0) {
    const top = heap[0];
    const { at, body } = top.planned;
    yield { at, institute: top.institute, slug: slugs[top.institute], name: body.event, body: JSON.stringify(body) };
    const next = top.source.next();
    if (next.done) {
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        down(heap, 0);
      }
    } else {
      top.planned = next.value;
      down(heap, 0);
    }
  }
}

function push(heap: Head[], h: Head): void {
  heap.push(h);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function down(heap: Head[], i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l], heap[m])) m = l;
    if (r < heap.length && before(heap[r], heap[m])) m = r;
    if (m === i) return;
    [heap[i], heap[m]] = [heap[m], heap[i]];
    i = m;
  }
}

/** The first `n` events (or all, if fewer), for benchmarks that need a fixed number of bodies. */
export function takeEvents(o: WorldOptions, n: number): SimEvent[] {
  const out: SimEvent[] = [];
  for (const e of generateTraffic(o)) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}
