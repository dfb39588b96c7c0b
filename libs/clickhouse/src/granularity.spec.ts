import { granularityChangeOf, granularityOf, withGranularity } from './granularity';

describe('granularityChangeOf', () => {
  it('reads the statement of a migration, bound and rendered for a cluster', () => {
    expect(granularityChangeOf('ALTER TABLE session_events MODIFY SETTING index_granularity = 256')).toEqual({
      database: undefined,
      table: 'session_events',
      onCluster: false,
      rows: 256,
    });
    expect(granularityChangeOf('ALTER TABLE wise.session_events_local ON CLUSTER c MODIFY SETTING index_granularity=128')).toEqual({
      database: 'wise',
      table: 'session_events_local',
      onCluster: true,
      rows: 128,
    });
  });

  it('leaves every other statement to the server', () => {
    expect(granularityChangeOf('ALTER TABLE t ADD COLUMN a UInt8')).toBeNull();
    expect(granularityChangeOf('ALTER TABLE t MODIFY SETTING merge_with_ttl_timeout = 1')).toBeNull();
  });
});

describe('withGranularity', () => {
  const v18 =
    'CREATE TABLE wise.session_events ( institute_id String,  session_id String) ENGINE = ReplacingMergeTree(delivery_rank) ORDER BY (institute_id, session_id) SETTINGS index_granularity = 8192';
  const v26 =
    'CREATE TABLE wise.session_events (`institute_id` String, `session_id` String) ENGINE = ReplacingMergeTree(delivery_rank) ORDER BY (institute_id, session_id) SETTINGS index_granularity = 8192, index_granularity_bytes = 0';

  it('names the new table and replaces the setting (18.16 and current ClickHouse write it out)', () => {
    expect(withGranularity(v18, 'session_events', 'session_events__next', 256)).toBe(
      v18.replace('wise.session_events (', 'wise.session_events__next (').replace('8192', '256'),
    );
    const out = withGranularity(v26, 'session_events', 'session_events__next', 256);
    expect(granularityOf(out)).toBe(256);
    expect(out).toContain('index_granularity_bytes = 0');
    expect(out.startsWith('CREATE TABLE wise.session_events__next (')).toBe(true);
  });

  it('adds the setting to a text that has none, or has others', () => {
    const bare = 'CREATE TABLE t (a String) ENGINE = ReplacingMergeTree ORDER BY a';
    expect(withGranularity(bare, 't', 't__next', 256)).toBe(
      'CREATE TABLE t__next (a String) ENGINE = ReplacingMergeTree ORDER BY a SETTINGS index_granularity = 256',
    );
    expect(granularityOf(bare)).toBe(8192);
    expect(withGranularity(`${bare} SETTINGS merge_max_block_size = 10`, 't', 't__next', 256)).toBe(
      'CREATE TABLE t__next (a String) ENGINE = ReplacingMergeTree ORDER BY a SETTINGS index_granularity = 256, merge_max_block_size = 10',
    );
  });

  it('refuses a text that does not create the table it names', () => {
    expect(() => withGranularity(v18, 'meeting_events', 'x', 256)).toThrow(/cannot find the name meeting_events/);
  });
});
