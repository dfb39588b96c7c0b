import { WISE_EVENT_NAMES } from '@wise/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envelope, refusal } from './projection.fixtures';
import { projectEvent } from './projections';
import { ANALYTICS_TABLES } from './projected-tables';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'libs', 'testing', 'fixtures', 'wise');
const MIGRATIONS = join(ROOT, 'libs', 'clickhouse', 'migrations');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));

describe('projectEvent', () => {
  it.each(WISE_EVENT_NAMES.map((n) => [n]))('projects the %s fixture into known tables only', (name) => {
    const rows = projectEvent(envelope(fixture(name)));
    for (const [table, list] of Object.entries(rows)) {
      expect(ANALYTICS_TABLES).toContain(table);
      for (const row of list) expect(row).toMatchObject({ institute_id: 'inst', event_id: 'e1' });
    }
    if (name !== 'AttendanceComputedEvent') expect(Object.values(rows).flat().length).toBeGreaterThan(0);
  });

  it.each([
    ['an unknown event name', { event: 'NoSuchEvent', payload: {} }, /unknown event name "NoSuchEvent"/],
    ['a body without payload', { event: 'CertificateIssuedEvent' }, /CertificateIssuedEvent: body has no "payload" field/],
  ])('refuses %s before any projection runs', (_case, body, reason) => {
    expect(refusal(body)).toMatch(reason);
  });

  it('is deterministic: the same envelope gives the same rows', () => {
    const body = fixture('SessionsCreatedEvent');
    expect(projectEvent(envelope(body))).toEqual(projectEvent(envelope(body)));
  });

  it('names every table that the migrations create for facts, and only those', () => {
    const created = [
      '0002_analytics_facts.sql',
      '0008_classroom_sessions.sql',
      '0010_money_by_time.sql',
      '0017_session_starts.sql',
    ].flatMap((f) => [...readFileSync(join(MIGRATIONS, f), 'utf8').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]));
    expect([...ANALYTICS_TABLES, 'attendance_rules'].sort()).toEqual(created.sort());
  });
});
