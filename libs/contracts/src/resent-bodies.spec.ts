import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deriveEventId } from './envelope';
import { parseWiseBody, WISE_EVENT_NAMES, type WiseEventName } from './events';
import { COPY_WINDOW_MS, generationEventId, TIMELESS_EVENT_NAMES, timelessEntityOf } from './resent-bodies';

const FIXTURES = join(__dirname, '../../testing/fixtures/wise');
const entityOf = (name: WiseEventName, edit: (body: any) => void = () => undefined) => {
  const body = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
  if (body.payload.classroom) body.payload.classroom._id = 'c1';
  edit(body);
  const parsed = parseWiseBody(JSON.stringify(body));
  if (!parsed.ok) throw new Error(parsed.reason);
  return timelessEntityOf(parsed);
};

describe('timelessEntityOf', () => {
  const TIMELESS: Array<[WiseEventName, (b: any) => void, string[]]> = [
    ['StudentAddedToClassroomEvent', (b) => (b.payload.student._id = 's1'), ['member', 'c1', 'student', 's1']],
    ['StudentRemovedFromClassroomEvent', (b) => (b.payload.student._id = 's1'), ['member', 'c1', 'student', 's1']],
    ['TeacherAddedToClassroomEvent', (b) => (b.payload.teacher._id = 't1'), ['member', 'c1', 'teacher', 't1']],
    ['TeacherRemovedFromClassroomEvent', (b) => (b.payload.teacher._id = 't1'), ['member', 'c1', 'teacher', 't1']],
    ['StudentSuspensionUpdatedEvent', (b) => (b.payload.student._id = 's1'), ['suspension', 'c1', 's1']],
    ['FeePaymentCompletedEvent', (b) => (b.payload.transaction._id = 'tx1'), ['payment', 'tx1']],
  ];

  // An add and the removal of the same member name one entity: a removal in between is what makes
  // a late re-add a new event.
  it.each(TIMELESS)('%s: names its entity', (name, edit, entity) => expect(entityOf(name, edit)).toBe(JSON.stringify(entity)));

  it('lists exactly these as the timeless events', () => expect([...TIMELESS_EVENT_NAMES].sort()).toEqual(TIMELESS.map(([n]) => n).sort()));

  const timed = WISE_EVENT_NAMES.filter((n) => !TIMELESS.some(([t]) => t === n));
  it.each(timed)('%s: none (its copies are always retries)', (name) => expect(entityOf(name)).toBeNull());

  it('cannot be fooled by ids that contain the separator', () => {
    const a = entityOf('StudentAddedToClassroomEvent', (b) => ((b.payload.classroom._id = 'c1","student'), (b.payload.student._id = 's1')));
    const b = entityOf('StudentAddedToClassroomEvent', (b) => ((b.payload.classroom._id = 'c1'), (b.payload.student._id = 'student","s1')));
    expect(a).not.toBe(b);
  });
});

describe('COPY_WINDOW_MS', () => {
  it("is Wise's last retry (15 300 s after the event) plus one attempt's timeout (5 s) plus the hosts' clock allowance (60 s)", () => {
    expect(COPY_WINDOW_MS).toBe(15_365_000);
    expect(COPY_WINDOW_MS).toBeGreaterThan((4 * 3600 + 15 * 60) * 1000);
  });
});

describe('generationEventId', () => {
  const base = deriveEventId('acme', Buffer.from('{"event":"StudentAddedToClassroomEvent"}'));
  it('keeps the body id for generation 0, so that every event stored before generations keeps its id', () =>
    expect(generationEventId(base, 0)).toBe(base));
  it('gives each later generation its own id of the same shape, the same on every host', () => {
    const ids = [1, 2, 3].map((g) => generationEventId(base, g));
    expect(new Set([base, ...ids]).size).toBe(4);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(generationEventId(base, 2)).toBe(ids[1]);
  });
});
