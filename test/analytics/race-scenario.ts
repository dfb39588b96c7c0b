/*
 * The race scenario the serving tests share (serving-races, serving-purge): two batches of one
 * classroom week that broke the clock-based layer, and the means to hold a round between its
 * statements.
 */
import { BatchSink, ClickHouseWriter } from '@wise/projection-writer';
import type { ClickHouseConnection } from '@wise/clickhouse';
import type { Envelope } from '@wise/contracts';
import { Logger } from '@wise/observability';
import { projectEvents } from '@wise/projections';
import { Touched, type RoundStep } from '@wise/serving';
import { storedEventOf, type AnalyticsSnapshot } from './analytics-db';
import { envelopeOf, ev, invoice, join, leave, meeting, member, payment, type Who } from './scenario';

export const PG_URL = 'postgres://postgres@127.0.0.1:5432/wise_test';
export const OLD = { _id: 'class-old', name: 'Old room' };
export const NEW = { _id: 'class-new', name: 'New room' };
export const MIA = { _id: 'student-mia', name: 'Mia Moss', email: 'mia@race.test' };
export const NOAH = { _id: 'student-noah', name: 'Noah North', email: 'noah@race.test' };
export const S = 'session-raced';
const mia: Who = { name: MIA.name, email: MIA.email, device: 'mia-1' };
const noah: Who = { name: NOAH.name, email: NOAH.email, device: 'noah-1' };
const session = (classId: string, updatedAt: string, start: string) => ({
  _id: S,
  classId,
  userId: 'teacher-1',
  createdAt: '2024-06-01T10:00:00.000Z',
  updatedAt,
  title: 'Raced',
  scheduledStartTime: start,
  scheduledEndTime: '2024-06-10T11:00:00Z',
});

/** Batch one: enrolment, the session in the old room, the meeting, a payment in the old room. */
export const first = (i: string): Envelope[] => [
  envelopeOf(member('StudentAddedToClassroomEvent', OLD, MIA), '2024-06-01T09:00:00Z', i),
  envelopeOf(member('StudentAddedToClassroomEvent', NEW, MIA), '2024-06-01T09:00:00Z', i),
  envelopeOf(member('StudentAddedToClassroomEvent', NEW, NOAH), '2024-06-01T09:00:00Z', i),
  envelopeOf(member('StudentAddedToClassroomEvent', OLD, NOAH), '2024-06-01T09:00:00Z', i),
  envelopeOf(
    ev('SessionsCreatedEvent', { sessions: [session(OLD._id, '2024-06-01T10:00:00.000Z', '2024-06-10T10:00:00Z')] }),
    '2024-06-01T10:00:00Z',
    i,
  ),
  envelopeOf(meeting('Started', S, '2024-06-10T10:05:00Z'), '2024-06-10T10:05:00Z', i),
  envelopeOf(join(S, mia, '2024-06-10T10:10:00Z'), '2024-06-10T10:10:00Z', i),
  envelopeOf(leave(S, mia, '2024-06-10T10:55:00Z'), '2024-06-10T10:55:00Z', i),
  envelopeOf(join(S, noah, '2024-06-10T10:20:00Z'), '2024-06-10T10:20:00Z', i),
  envelopeOf(meeting('Ended', S, '2024-06-10T11:00:00Z'), '2024-06-10T11:00:00Z', i),
  envelopeOf(invoice(MIA, OLD, 'inst-1', 1, 5000, 'INR', '2024-06-02T08:00:00.000Z'), '2024-06-02T08:00:00Z', i),
  envelopeOf(payment(MIA, OLD, 'pay-1', 5000, 'INR'), '2024-06-03T08:00:00Z', i),
];
/**
 * Batch two: the session moved to the new room and rescheduled 30 minutes later, Noah removed
 * from the old room before it, and the payment corrected to the new room.
 */
export const second = (i: string): Envelope[] => [
  envelopeOf(
    ev('SessionsUpdatedEvent', { sessions: [session(NEW._id, '2024-06-05T10:00:00.000Z', '2024-06-10T10:30:00Z')] }),
    '2024-06-05T10:00:00Z',
    i,
  ),
  envelopeOf(member('StudentRemovedFromClassroomEvent', NEW, NOAH, { remove: true }), '2024-06-09T10:00:00Z', i),
  envelopeOf(payment(MIA, NEW, 'pay-1', 5000, 'INR'), '2024-06-04T08:00:00Z', i),
];

const logger = new Logger('test', 'error');

/** Writes a batch's fact rows as the projector does, without its refresh; returns what it touched. */
export async function writeFacts(ch: ClickHouseConnection, envelopes: readonly Envelope[]): Promise<Touched> {
  const { tables } = projectEvents(envelopes.map(storedEventOf), { eventStore: true });
  let touched = new Touched();
  const sink = new BatchSink(new ClickHouseWriter(ch, logger, 1000), async (t) => {
    touched = Touched.byRows(t);
  });
  const written = await sink.write(tables, { isActive: () => true, heartbeat: async () => undefined, source: 'race' });
  await written.derived;
  return touched;
}

/** A `between` hook that holds the round at `step` until released. */
export function gate(step: RoundStep) {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  let held = false;
  const between = async (s: RoundStep) => {
    if (s !== step || held) return;
    held = true;
    reach();
    await released;
  };
  return { between, reached, release, wasHeld: () => held };
}

/** The snapshot without institute ids, so that two institutes' views compare. */
export const anonymous = (s: AnalyticsSnapshot) =>
  Object.fromEntries(Object.entries(s).map(([view, rows]) => [view, rows.map(({ institute_id: _, ...rest }) => rest)]));
