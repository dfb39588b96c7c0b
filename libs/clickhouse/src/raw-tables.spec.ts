import { EVENTS_TABLE, QUARANTINE_TABLE, SESSION_EVENTS } from '@wise/projections';
import { rawDatabaseOf, tableRef } from './raw-tables';

describe('raw tables', () => {
  it('lives in <database>_raw, for whichever database the deployment uses', () => {
    expect(rawDatabaseOf('wise')).toBe('wise_raw');
    expect(rawDatabaseOf('wise_test_ab12')).toBe('wise_test_ab12_raw');
  });

  it.each([
    [EVENTS_TABLE, 'wise_raw.events'],
    [QUARANTINE_TABLE, 'wise_raw.quarantine'],
    [SESSION_EVENTS, 'session_events'],
    ['sessions_store__rebuild', 'sessions_store__rebuild'],
  ])('names %s as %s on a connection to wise', (table, ref) => {
    expect(tableRef('wise', table)).toBe(ref);
  });

  it('refuses names that are not plain identifiers', () => {
    expect(() => rawDatabaseOf('wise; DROP')).toThrow(/refusing identifier/);
    expect(() => tableRef('wise', 'events; DROP')).toThrow(/refusing identifier/);
  });
});
