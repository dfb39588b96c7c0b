import { objectId, instituteKey, seedTag } from './ids';
import { BATCHES, EMAIL_DOMAINS, FIRST_NAMES, INSTITUTE_KINDS, INSTITUTE_WORDS, LAST_NAMES, SUBJECTS } from './names';
import { Rng } from './rng';

/** What shapes the simulated world; bodies depend on these and on nothing else. */
export interface WorldOptions {
  seed: string;
  institutes: number;
  weeks: number;
  /** Classrooms per institute. */
  classrooms: number;
  /** Students per classroom at the start. */
  students: number;
  /** First Monday of the simulated period, epoch ms at 00:00 UTC. */
  startMs: number;
  /** Slug prefix; slugs are `<prefix>-<seed tag>-<n>`. Bodies do not depend on it. */
  prefix: string;
}

export interface Person {
  _id: string;
  name: string;
  email: string;
  phoneNumber: string;
}

export interface Classroom {
  _id: string;
  name: string;
  subject: string;
  classNumber: number;
  teacher: Person;
  currency: 'INR' | 'USD';
  /** One instalment, in minor units (paise, cents). */
  instalmentMinor: number;
  instalments: number;
  /** An instalment is added every this many weeks (Wise then re-sends all of the student's). */
  instalmentEveryWeeks: number;
  /** Days of the week with a session, 0 = Monday. */
  weekdays: number[];
  /** Scheduled start, minutes after 00:00 UTC. */
  startMinute: number;
  minutes: number;
  records: boolean;
  roster: Person[];
}

export interface SimInstitute {
  index: number;
  slug: string;
  name: string;
  keyHeader: string;
  key: string;
  /** The institute's own Wise account: the receiver of fee transactions. */
  accountId: string;
  zoomAccountId: string;
  teachers: Person[];
  /** Everyone who may enrol during the period (rosters draw from it). */
  students: Person[];
  classrooms: Classroom[];
}

export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

// Session starts as Indian batches keep them (IST 07:00, 16:00, 17:30, 19:00), in UTC minutes.
const STARTS_UTC = [90, 630, 720, 810];

/** A header name per institute: Wise does not document it, and ingestion reads it per institute. */
export function keyHeaderOf(index: number): string {
  return index % 3 === 2 ? 'x-wise-authorization' : 'x-wise-key';
}

export function instituteSlug(o: Pick<WorldOptions, 'prefix' | 'seed'>, index: number): string {
  return `${o.prefix}-${seedTag(o.seed)}-${index + 1}`;
}

function person(rng: Rng, atMs: number, n: number): Person {
  const first = rng.pick(FIRST_NAMES);
  const last = rng.pick(LAST_NAMES);
  return {
    _id: objectId(rng, atMs),
    name: `${first} ${last}`,
    email: `${first}.${last}${n}@${rng.pick(EMAIL_DOMAINS)}`.toLowerCase(),
    phoneNumber: `+91${rng.int(70000, 99999)}${rng.int(10000, 99999)}`,
  };
}

/** One institute, deterministic from (seed, index): independent of how many others there are. */
export function buildInstitute(o: WorldOptions, index: number): SimInstitute {
  const rng = new Rng(o.seed, `institute:${index}`);
  const created = o.startMs - rng.int(30, 400) * DAY_MS;
  const slug = instituteSlug(o, index);
  const teachers = Array.from({ length: Math.max(1, Math.ceil(o.classrooms / 2)) }, (_, i) => person(rng, created, 100 + i));
  const poolSize = Math.ceil(o.classrooms * o.students * 0.75) + o.students + 10;
  const students = Array.from({ length: poolSize }, (_, i) => person(rng, created, i + 1));
  const usdInstitute = rng.chance(0.25);
  const classrooms: Classroom[] = [];
  for (let c = 0; c < o.classrooms; c++) {
    const subject = rng.pick(SUBJECTS);
    const currency = usdInstitute || rng.chance(0.1) ? 'USD' : 'INR';
    const days = rng.sample([0, 1, 2, 3, 4, 5], rng.int(2, 3)).sort((a, b) => a - b);
    classrooms.push({
      _id: objectId(rng, created + c * 60_000),
      name: `${subject} Class ${rng.int(6, 12)} - ${rng.pick(BATCHES)}`,
      subject,
      classNumber: rng.int(100_000_000, 999_999_999),
      teacher: teachers[c % teachers.length],
      currency,
      instalmentMinor: currency === 'INR' ? rng.int(15, 120) * 10_000 : rng.int(4, 30) * 1_000,
      instalments: rng.int(1, 4),
      instalmentEveryWeeks: rng.int(2, 4),
      weekdays: days,
      startMinute: rng.pick(STARTS_UTC),
      minutes: rng.pick([45, 60, 60, 60, 90]),
      records: rng.chance(0.8),
      roster: rng.sample(students, Math.min(o.students, students.length)),
    });
  }
  return {
    index,
    slug,
    name: `${rng.pick(INSTITUTE_WORDS)} ${rng.pick(INSTITUTE_KINDS)}`,
    keyHeader: keyHeaderOf(index),
    key: instituteKey(o.seed, slug),
    accountId: objectId(rng, created),
    zoomAccountId: rng.alnum(22),
    teachers,
    students,
    classrooms,
  };
}

/** The institutes' registration facts (slug, header, key) without building their worlds. */
export function instituteCredentials(o: WorldOptions): Array<{ slug: string; name: string; keyHeader: string; key: string }> {
  return Array.from({ length: o.institutes }, (_, i) => {
    const slug = instituteSlug(o, i);
    return { slug, name: `Simulated institute ${slug}`, keyHeader: keyHeaderOf(i), key: instituteKey(o.seed, slug) };
  });
}
