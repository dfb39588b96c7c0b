import { objectId } from './ids';
import { FeePlanner } from './fees';
import { planMeeting, type Planned } from './meeting';
import { TOPICS } from './names';
import { Rng } from './rng';
import { certificateIssued, iso, membership, sessionsCreated, sessionsDeleted, sessionsUpdated, type SessionItem } from './wise-bodies';
import { buildInstitute, DAY_MS, WEEK_MS, type Classroom, type Person, type SimInstitute, type WorldOptions } from './world';

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * One institute's deliveries in the order Wise sends them (by delivery time), planned a week at a
 * time: what a week sets off (payments days later, suspensions) waits in `pending` until its time.
 */
export function* instituteTimeline(o: WorldOptions, index: number): Generator<Planned & { seq: number }> {
  const inst = buildInstitute(o, index);
  const rng = new Rng(o.seed, `timeline:${index}`);
  let seq = 0;
  let pending: Array<Planned & { seq: number }> = [];
  const emit = (p: Planned) => pending.push({ ...p, seq: seq++ });
  const fees = new FeePlanner(new Rng(o.seed, `fees:${index}`), inst, emit);
  const rosters = new Map(inst.classrooms.map((c) => [c._id, new Map<string, Person>()]));
  const coTeachers = new Map<string, Person>();
  let certificates = 0;

  const enrol = (c: Classroom, s: Person, at: number) => {
    rosters.get(c._id)!.set(s._id, s);
    emit({ at, body: membership('StudentAdded', c, s) });
    fees.enrol(c, s, at);
  };

  for (let w = 0; w < o.weeks; w++) {
    const monday = o.startMs + w * WEEK_MS;
    const saturday = monday - 2 * DAY_MS;
    for (const c of inst.classrooms) {
      const roster = rosters.get(c._id)!;
      if (w === 0) {
        emit({ at: saturday - 5 * DAY_MS + rng.int(0, 8) * HOUR, body: membership('TeacherAdded', c, c.teacher) });
        for (const s of c.roster) enrol(c, s, saturday - rng.int(1, 4 * 24) * HOUR);
      } else {
        // A few students leave each week and others join in their place.
        for (const s of [...roster.values()]) {
          if (!rng.chance(0.04)) continue;
          const at = saturday - rng.int(1, 24) * HOUR;
          roster.delete(s._id);
          fees.leave(c, s);
          emit({ at, body: membership('StudentRemoved', c, s) });
          const newcomer = rng.pick(inst.students);
          if (!roster.has(newcomer._id)) enrol(c, newcomer, at + rng.int(1, 12) * HOUR);
        }
        const co = coTeachers.get(c._id);
        if (co && rng.chance(0.3)) {
          coTeachers.delete(c._id);
          emit({ at: saturday + rng.int(0, 12) * HOUR, body: membership('TeacherRemoved', c, co) });
        } else if (!co && inst.teachers.length > 1 && rng.chance(0.08)) {
          const t = rng.pick(inst.teachers.filter((x) => x !== c.teacher));
          coTeachers.set(c._id, t);
          emit({ at: saturday + rng.int(0, 12) * HOUR, body: membership('TeacherAdded', c, t) });
        }
        for (const s of roster.values()) if (rng.chance(0.005)) fees.discipline(c, s, monday + rng.int(0, 4 * 24) * HOUR);
      }
      if (w > 0 && w % c.instalmentEveryWeeks === 0) fees.nextInstalment(c, saturday + 3 * HOUR);
      planWeek(rng, inst, c, monday, roster, fees, emit);
    }
    if (w === o.weeks - 1 && o.weeks >= 2) {
      for (const c of inst.classrooms) {
        for (const s of rosters.get(c._id)!.values()) {
          if (!rng.chance(0.4)) continue;
          const at = monday + 4 * DAY_MS + 12 * HOUR + rng.int(0, 4 * HOUR);
          const number = `WISE-${new Date(at).getUTCFullYear()}-${String(++certificates).padStart(6, '0')}`;
          emit({ at, body: certificateIssued(c, s, objectId(rng, at), number, at) });
        }
      }
    }
    // Everything before the next week's earliest event (roster changes from Friday on) can go out.
    yield* flush(monday + WEEK_MS - 3 * DAY_MS);
  }
  yield* flush(Infinity);

  function* flush(before: number): Generator<Planned & { seq: number }> {
    pending.sort((a, b) => a.at - b.at || a.seq - b.seq);
    let n = 0;
    while (n < pending.length && pending[n].at < before) n++;
    const out = pending.slice(0, n);
    pending = pending.slice(n);
    yield* out;
  }
}

/** One SessionsCreatedEvent for the classroom's week, sparse patches to some, then the meetings. */
function planWeek(
  rng: Rng,
  inst: SimInstitute,
  c: Classroom,
  monday: number,
  roster: Map<string, Person>,
  fees: FeePlanner,
  emit: (p: Planned) => void,
): void {
  const createdAt = monday - 2 * DAY_MS + rng.int(4, 14) * HOUR + rng.int(0, 59) * MIN + rng.int(0, 59_999);
  const items: SessionItem[] = c.weekdays.map((d) => {
    const start = monday + d * DAY_MS + c.startMinute * MIN;
    return {
      _id: objectId(rng, createdAt),
      classId: c._id,
      userId: c.teacher._id,
      createdAt: iso(createdAt),
      meetingStatus: 'UPCOMING',
      type: 'SCHEDULED',
      title: rng.chance(0.5) ? c.name : `${c.subject}: ${rng.pick(TOPICS)}`,
      scheduledStartTime: iso(start),
      scheduledEndTime: iso(start + c.minutes * MIN),
    };
  });
  emit({ at: createdAt + rng.int(200, 3000), body: sessionsCreated(items) });

  for (const item of items) {
    let start = Date.parse(item.scheduledStartTime);
    let end = Date.parse(item.scheduledEndTime);
    let title = item.title;
    const changedAt = rng.int(createdAt + HOUR, start - 3 * HOUR);
    const patch = (fields: Record<string, unknown>) => {
      const p: Record<string, unknown> = { _id: item._id, classId: item.classId, createdAt: item.createdAt };
      if (rng.chance(0.8)) p.updatedAt = iso(changedAt);
      emit({ at: changedAt + rng.int(200, 3000), body: sessionsUpdated([{ ...p, ...fields }]) });
    };
    const fate = rng.next();
    if (fate < 0.03) {
      emit({ at: changedAt + rng.int(200, 3000), body: sessionsDeleted(item, changedAt) });
      continue;
    } else if (fate < 0.07) {
      patch({ meetingStatus: 'CANCELLED' });
      continue;
    } else if (fate < 0.13) {
      title = `${c.subject}: ${rng.pick(TOPICS)}`;
      patch({ title });
    } else if (fate < 0.17) {
      const shift = rng.pick([-2, -1, 1, 2]) * HOUR;
      start += shift;
      end += shift;
      patch({ scheduledStartTime: iso(start), scheduledEndTime: iso(end) });
    }
    // Now and then the teacher never starts the meeting.
    if (rng.chance(0.03)) continue;
    const enrolled = [...roster.values()].filter((s) => !fees.isSuspended(c, s, start));
    for (const p of planMeeting(rng, inst, c, { id: item._id, title, startMs: start, endMs: end }, enrolled)) emit(p);
  }
}
