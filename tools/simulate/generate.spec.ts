import { parseWiseBody, WISE_EVENT_NAMES } from '@wise/contracts';
import { generateTraffic, takeEvents, type SimEvent } from './generate';
import type { WorldOptions } from './world';

const base: WorldOptions = {
  seed: 'spec',
  institutes: 3,
  weeks: 5,
  classrooms: 3,
  students: 12,
  startMs: Date.UTC(2024, 5, 3),
  prefix: 'sim',
};
const all = (o: Partial<WorldOptions> = {}): SimEvent[] => [...generateTraffic({ ...base, ...o })];

describe('generateTraffic', () => {
  const events = all();
  const bodies = events.map((e) => JSON.parse(e.body) as { event: string; payload: Record<string, any> });

  it('generates a few thousand deliveries', () => {
    expect(events.length).toBeGreaterThan(3000);
  });

  it('produces only bodies the contract accepts, named as their event says', () => {
    const refused = events.map((e) => ({ e, r: parseWiseBody(e.body) })).filter(({ r }) => !r.ok);
    expect(refused.map(({ e, r }) => `${e.name}: ${!r.ok && r.reason}`)).toEqual([]);
    for (const e of events) expect(JSON.parse(e.body).event).toBe(e.name);
  });

  it('covers every event of WISE_EVENT_NAMES', () => {
    expect(new Set(events.map((e) => e.name))).toEqual(new Set(WISE_EVENT_NAMES));
  });

  it('is deterministic by seed, byte for byte, and another seed gives other bodies', () => {
    expect(all().map((e) => e.body)).toEqual(events.map((e) => e.body));
    const other = all({ seed: 'other' }).map((e) => e.body);
    expect(other.filter((b) => events.some((e) => e.body === b))).toEqual([]);
  });

  it('gives an institute the same bodies whatever the number of other institutes', () => {
    const alone = all({ institutes: 1 }).map((e) => e.body);
    expect(events.filter((e) => e.institute === 0).map((e) => e.body)).toEqual(alone);
  });

  it('delivers in time order with slugs <prefix>-<seed>-<n>', () => {
    for (let i = 1; i < events.length; i++) expect(events[i].at).toBeGreaterThanOrEqual(events[i - 1].at);
    expect(new Set(events.map((e) => e.slug))).toEqual(new Set(['sim-spec-1', 'sim-spec-2', 'sim-spec-3']));
  });

  it("creates each classroom's week of sessions in one SessionsCreatedEvent", () => {
    const created = bodies.filter((b) => b.event === 'SessionsCreatedEvent');
    expect(created.length).toBe(base.institutes * base.classrooms * base.weeks);
    for (const b of created) {
      expect(b.payload.sessions.length).toBeGreaterThanOrEqual(2);
      expect(new Set(b.payload.sessions.map((s: { classId: string }) => s.classId)).size).toBe(1);
    }
  });

  it('patches sessions sparsely: ids, createdAt and only what changed', () => {
    const allowed = new Set([
      '_id',
      'classId',
      'createdAt',
      'updatedAt',
      'title',
      'meetingStatus',
      'scheduledStartTime',
      'scheduledEndTime',
    ]);
    const patches = bodies.filter((b) => b.event === 'SessionsUpdatedEvent').flatMap((b) => b.payload.sessions);
    expect(patches.length).toBeGreaterThan(0);
    for (const p of patches) {
      for (const k of Object.keys(p)) expect(allowed).toContain(k);
      expect(Object.keys(p).length).toBeLessThanOrEqual(6);
    }
    expect(patches.some((p) => p.meetingStatus === 'CANCELLED')).toBe(true);
    expect(patches.some((p) => p.title !== undefined)).toBe(true);
  });

  it('re-sends earlier instalments when one is added, and bills in INR and USD', () => {
    const invoices = bodies.filter((b) => b.event === 'FeeInvoiceChargedEvent');
    const seen = new Map<string, number>();
    for (const b of invoices) {
      const k = `${b.payload.student._id}:${b.payload.classroom._id}:${b.payload.transaction.metadata.index}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect([...seen.values()].some((n) => n > 1)).toBe(true);
    expect(invoices.some((b) => b.payload.transaction.metadata.index > 0)).toBe(true);
    const currencies = new Set(
      all({ institutes: 8, weeks: 1 })
        .filter((e) => e.name === 'FeePaymentCompletedEvent')
        .map((e) => JSON.parse(e.body).payload.transaction.amount.currency),
    );
    expect(currencies).toEqual(new Set(['INR', 'USD']));
  });

  it('has people rejoin, join from two devices and join without an email', () => {
    const joins = bodies
      .filter((b) => b.event === 'ParticipantJoinedMeetingEvent')
      .map((b) => ({ s: b.payload.sessionId, p: b.payload.payload.object.participant }));
    const perPerson = new Map<string, Set<string>>();
    for (const j of joins) {
      const k = `${j.s}:${j.p.email || j.p.user_name}`;
      perPerson.set(k, (perPerson.get(k) ?? new Set()).add(j.p.participant_uuid));
    }
    const counts = [...perPerson.values()].map((s) => s.size);
    expect(counts.some((n) => n >= 2)).toBe(true);
    expect(joins.length).toBeGreaterThan(perPerson.size);
    expect(joins.some((j) => j.p.email === '')).toBe(true);
  });

  it('takeEvents stops at n', () => {
    expect(takeEvents(base, 100).map((e) => e.body)).toEqual(events.slice(0, 100).map((e) => e.body));
  });
});
