import type { DeviceRow } from './engagement-rows';
import { dateTimeText, epochSeconds } from './row-values';
import { sessionsOf, sessionValues, toMeetingFact, toScheduleFact, type MeetingFact, type ScheduleFact } from './session-rows';

const t = (clock: string): number => epochSeconds(`2026-12-09 ${clock}`);

const fact = (event_id: string, kind_rank: number, order_ms: number, over: Partial<ScheduleFact>): ScheduleFact => ({
  institute_id: 'i',
  session_id: 's1',
  event_id,
  order_ms,
  classroom_id: 'physics',
  event_kind: kind_rank === 2 ? 'updated' : kind_rank === 1 ? 'created' : 'deleted',
  kind_rank,
  title: null,
  meeting_status: null,
  session_type: null,
  teacher_id: null,
  scheduled_start: null,
  scheduled_end: null,
  created_at: null,
  start_day: null,
  ...over,
});

const meeting = (over: Partial<MeetingFact>): MeetingFact => ({
  institute_id: 'i',
  session_id: 's1',
  meeting_start: null,
  meeting_end: null,
  scheduled_minutes: null,
  start_day: null,
  ...over,
});

const joins = (session_id: string, ...at: number[]): DeviceRow => ({
  institute_id: 'i',
  session_id,
  participant: 'p',
  device_key: 'd',
  email: '',
  user_name: '',
  joins: at,
  leaves: [],
  share_start_times: [],
  share_start_contents: [],
  share_ends: [],
});

describe('sessionsOf', () => {
  const created = fact('e1', 1, 1000, {
    title: 'Optics',
    meeting_status: 'UPCOMING',
    teacher_id: 't1',
    scheduled_start: t('10:00:00'),
    scheduled_end: t('11:00:00'),
    created_at: t('08:00:00'),
    start_day: '2026-12-09',
  });
  // A patch that moves the class to the next day (in the institute's zone) and says nothing else.
  const moved = fact('e2', 2, 500, { scheduled_start: t('23:30:00'), scheduled_end: t('23:59:00'), start_day: '2026-12-10' });

  it('takes each field from the latest fact that carries it, and the day read with the start it took', () => {
    const [row] = sessionsOf([moved, created], [], []);
    expect(row).toEqual({
      institute_id: 'i',
      session_id: 's1',
      classroom_id: 'physics',
      title: 'Optics',
      meeting_status: 'UPCOMING',
      session_type: null,
      teacher_id: 't1',
      // An update outranks the creation whatever their times.
      scheduled_start: t('23:30:00'),
      scheduled_end: t('23:59:00'),
      scheduled_minutes: 29,
      created_at: t('08:00:00'),
      is_deleted: 0,
      is_cancelled: 0,
      actual_start: null,
      actual_end: null,
      actual_minutes: null,
      local_day: '2026-12-10',
    });
  });

  it('starts a held class at Zoom’s start, not at a join before the host, and ends it at the latest end', () => {
    const meetings = [
      meeting({ meeting_start: t('10:03:00'), start_day: '2026-12-09' }),
      meeting({ meeting_start: t('10:04:00'), meeting_end: t('10:50:00') }),
      meeting({ meeting_end: t('10:45:30') }),
    ];
    const [row] = sessionsOf([created], meetings, [joins('s1', t('10:01:00'), t('10:20:00'))]);
    expect(row).toMatchObject({ actual_start: t('10:03:00'), actual_end: t('10:50:00'), actual_minutes: 47 });
    // Without Zoom's start, the earliest join; without joins, the end.
    expect(sessionsOf([created], [meetings[2]], [joins('s1', t('10:02:00')), joins('s1', t('10:01:30'))])[0]).toMatchObject({
      actual_start: t('10:01:30'),
      actual_minutes: 44,
    });
    expect(sessionsOf([created], [meetings[2]], [])[0]).toMatchObject({ actual_start: t('10:45:30'), actual_minutes: 0 });
  });

  it('takes the schedule from Zoom when Wise gave no start, and keeps a session known only by a join', () => {
    const zoom = [
      meeting({ meeting_start: t('09:00:00'), scheduled_minutes: 45.5, start_day: '2026-12-09' }),
      meeting({ scheduled_minutes: 40 }),
    ];
    const rows = sessionsOf([], zoom, [joins('s2', t('12:00:00'))]);
    expect(rows.find((r) => r.session_id === 's1')).toMatchObject({
      classroom_id: '',
      title: null,
      scheduled_start: t('09:00:00'),
      scheduled_end: t('09:45:30'),
      scheduled_minutes: 45.5,
      local_day: '2026-12-09',
    });
    expect(rows.find((r) => r.session_id === 's2')).toMatchObject({ scheduled_start: null, local_day: null, actual_start: t('12:00:00') });
    // A participant device that never joined makes no session.
    expect(sessionsOf([], [], [joins('s3')])).toEqual([]);
  });

  it('cancels a deleted session whatever its order, and one whose latest status says so', () => {
    const deleted = fact('e0', 0, 0, { event_kind: 'deleted' });
    expect(sessionsOf([created, moved, deleted], [], [])[0]).toMatchObject({ meeting_status: 'CANCELLED', is_deleted: 1, is_cancelled: 1 });
    const cancelled = fact('e3', 2, 3000, { meeting_status: 'CANCELLED' });
    expect(sessionsOf([created, cancelled], [], [])[0]).toMatchObject({ meeting_status: 'CANCELLED', is_deleted: 0, is_cancelled: 1 });
  });

  it('breaks a tie of kind and time by event id, byte by byte', () => {
    const a = fact('\uff21', 2, 9, { title: 'fullwidth' });
    const b = fact('😀', 2, 9, { title: 'emoji' });
    expect(sessionsOf([b, a], [], [])[0].title).toBe('emoji');
    expect(sessionsOf([a, b], [], [])[0].title).toBe('emoji');
  });

  it('reads facts as ClickHouse sends them and writes DateTimes as text', () => {
    expect(toScheduleFact({ order_ms: '17', kind_rank: 1, scheduled_start: '2026-12-09 10:00:00', title: null })).toMatchObject({
      order_ms: 17,
      scheduled_start: t('10:00:00'),
      title: null,
      scheduled_end: null,
    });
    expect(toMeetingFact({ scheduled_minutes: 45.5, meeting_end: '2026-12-09 10:50:00' })).toMatchObject({
      scheduled_minutes: 45.5,
      meeting_end: t('10:50:00'),
      meeting_start: null,
    });
    const [row] = sessionsOf([created], [], []);
    expect(sessionValues(row)).toMatchObject({ scheduled_start: dateTimeText(t('10:00:00')), actual_start: null, local_day: '2026-12-09' });
  });
});
