import { WISE_EVENT_NAMES } from '@wise/contracts';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYTICS_TABLES, projectEvent, ProjectionError } from './index';
import { envelope } from './projection.fixtures';

const FIXTURES = join(__dirname, '..', '..', '..', '..', 'libs', 'testing', 'fixtures', 'wise');
const MIGRATION = join(__dirname, '..', '..', '..', '..', 'libs', 'clickhouse', 'migrations', '0002_analytics_facts.sql');

describe('projectEvent', () => {
  it.each(WISE_EVENT_NAMES.map((n) => [n]))('projects the %s fixture into known tables only', (name) => {
    const body = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
    const rows = projectEvent(envelope(body));
    for (const [table, list] of Object.entries(rows)) {
      expect(ANALYTICS_TABLES).toContain(table);
      for (const row of list) expect(row).toMatchObject({ institute_id: 'inst', event_id: 'e1' });
    }
    if (name !== 'AttendanceComputedEvent') expect(Object.values(rows).flat().length).toBeGreaterThan(0);
  });

  it.each([
    ['an unknown event name', envelope({ event: 'NoSuchEvent', payload: {} }), /no projection for event "NoSuchEvent"/],
    ['a body naming another event', envelope({ event: 'MeetingEndedEvent', payload: {} }, { eventName: 'MeetingStartedEvent' }), /does not match body.event/],
    ['a body without payload', envelope({ event: 'CertificateIssuedEvent' }), /payload is missing/],
  ])('refuses %s with a ProjectionError', (_case, env, reason) => {
    expect(() => projectEvent(env)).toThrow(ProjectionError);
    expect(() => projectEvent(env)).toThrow(reason);
  });

  it('is deterministic: the same envelope gives the same rows', () => {
    const body = JSON.parse(readFileSync(join(FIXTURES, 'SessionsCreatedEvent.json'), 'utf8'));
    expect(projectEvent(envelope(body))).toEqual(projectEvent(envelope(body)));
  });

  it('names every table that 0002_analytics_facts.sql creates, and only those', () => {
    const created = [...readFileSync(MIGRATION, 'utf8').matchAll(/CREATE TABLE IF NOT EXISTS (\w+)/g)].map((m) => m[1]);
    expect([...ANALYTICS_TABLES, 'attendance_rules'].sort()).toEqual(created.sort());
  });
});
