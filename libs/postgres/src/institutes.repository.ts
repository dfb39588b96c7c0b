import { Postgres } from './postgres';

export interface InstituteRecord {
  slug: string;
  name: string;
  /** The pinned header carrying the key; null: learning mode (any header, see migration 0002). */
  keyHeader: string | null;
  /** The header the key last arrived in, as recorded by ingestion in learning mode. */
  learnedHeader: string | null;
  enabled: boolean;
  keys: Array<{ id: number; salt: string; keyHash: string }>;
}

export interface InstituteSummary {
  slug: string;
  name: string;
  keyHeader: string | null;
  learnedHeader: string | null;
  enabled: boolean;
  activeKeys: number;
  createdAt: Date;
}

export interface NewKey {
  salt: string;
  keyHash: string;
}

export class InstituteExistsError extends Error {}
export class InstituteNotFoundError extends Error {}

/** Institutes and their key hashes; the only code with SQL about them. */
export class InstitutesRepository {
  constructor(private readonly pg: Postgres) {}

  async add(slug: string, name: string, keyHeader: string | null, key: NewKey): Promise<void> {
    try {
      await this.pg.transaction(async (c) => {
        await c.query('INSERT INTO institutes (slug, name, key_header) VALUES ($1, $2, $3)', [slug, name, keyHeader]);
        await c.query('INSERT INTO institute_keys (institute_slug, salt, key_hash) VALUES ($1, $2, $3)', [slug, key.salt, key.keyHash]);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '23505') throw new InstituteExistsError(`institute "${slug}" already exists`);
      throw e;
    }
  }

  /** Adds a key; the existing ones stay valid until `retireKeysExceptNewest`. */
  async addKey(slug: string, key: NewKey): Promise<void> {
    await this.requireExists(slug);
    await this.pg.query('INSERT INTO institute_keys (institute_slug, salt, key_hash) VALUES ($1, $2, $3)', [slug, key.salt, key.keyHash]);
    await this.touch(slug);
  }

  async retireKeysExceptNewest(slug: string): Promise<number> {
    await this.requireExists(slug);
    const rows = await this.pg.query<{ id: string }>(
      `UPDATE institute_keys SET retired_at = now()
        WHERE institute_slug = $1 AND retired_at IS NULL
          AND id <> (SELECT max(id) FROM institute_keys WHERE institute_slug = $1 AND retired_at IS NULL)
        RETURNING id`,
      [slug],
    );
    await this.touch(slug);
    return rows.length;
  }

  async setEnabled(slug: string, enabled: boolean): Promise<void> {
    const rows = await this.pg.query('UPDATE institutes SET enabled = $2, updated_at = now() WHERE slug = $1 RETURNING slug', [
      slug,
      enabled,
    ]);
    if (rows.length === 0) throw new InstituteNotFoundError(`no institute "${slug}"`);
  }

  /** Written by ingestion on the first authenticated delivery in learning mode (and on a change). */
  async recordLearnedHeader(slug: string, header: string): Promise<void> {
    await this.pg.query('UPDATE institutes SET learned_header = $2, learned_at = now() WHERE slug = $1 AND key_header IS NULL', [
      slug,
      header,
    ]);
  }

  /** Pins the learned header; fails when nothing has been learned yet. */
  async pinLearnedHeader(slug: string): Promise<string> {
    const rows = await this.pg.query<{ key_header: string | null }>(
      'UPDATE institutes SET key_header = learned_header, updated_at = now() WHERE slug = $1 AND learned_header IS NOT NULL RETURNING key_header',
      [slug],
    );
    if (rows.length === 0) {
      await this.requireExists(slug);
      throw new InstituteNotFoundError(
        `institute "${slug}" has no learned header yet: wait for its first authenticated webhook, or use set-header`,
      );
    }
    return rows[0].key_header!;
  }

  /** null unpins: the key is then looked for in any header again (learning mode). */
  async setKeyHeader(slug: string, keyHeader: string | null): Promise<void> {
    const rows = await this.pg.query('UPDATE institutes SET key_header = $2, updated_at = now() WHERE slug = $1 RETURNING slug', [
      slug,
      keyHeader,
    ]);
    if (rows.length === 0) throw new InstituteNotFoundError(`no institute "${slug}"`);
  }

  async list(): Promise<InstituteSummary[]> {
    const rows = await this.pg.query<{
      slug: string;
      name: string;
      key_header: string | null;
      learned_header: string | null;
      enabled: boolean;
      active_keys: string;
      created_at: Date;
    }>(
      `SELECT i.slug, i.name, i.key_header, i.learned_header, i.enabled, i.created_at,
              count(k.id) FILTER (WHERE k.retired_at IS NULL) AS active_keys
         FROM institutes i LEFT JOIN institute_keys k ON k.institute_slug = i.slug
        GROUP BY i.slug ORDER BY i.slug`,
    );
    return rows.map((r) => ({
      slug: r.slug,
      name: r.name,
      keyHeader: r.key_header,
      learnedHeader: r.learned_header,
      enabled: r.enabled,
      activeKeys: Number(r.active_keys),
      createdAt: r.created_at,
    }));
  }

  /** Everything ingestion needs to authenticate, in one query; enabled institutes only. */
  async loadEnabledWithKeys(): Promise<InstituteRecord[]> {
    const rows = await this.pg.query<{
      slug: string;
      name: string;
      key_header: string | null;
      learned_header: string | null;
      id: string;
      salt: string;
      key_hash: string;
    }>(
      `SELECT i.slug, i.name, i.key_header, i.learned_header, k.id, k.salt, k.key_hash
         FROM institutes i JOIN institute_keys k ON k.institute_slug = i.slug AND k.retired_at IS NULL
        WHERE i.enabled ORDER BY i.slug, k.id`,
    );
    const bySlug = new Map<string, InstituteRecord>();
    for (const r of rows) {
      const rec = bySlug.get(r.slug) ?? {
        slug: r.slug,
        name: r.name,
        keyHeader: r.key_header,
        learnedHeader: r.learned_header,
        enabled: true,
        keys: [],
      };
      rec.keys.push({ id: Number(r.id), salt: r.salt, keyHash: r.key_hash });
      bySlug.set(r.slug, rec);
    }
    return [...bySlug.values()];
  }

  private async requireExists(slug: string): Promise<void> {
    const rows = await this.pg.query('SELECT 1 FROM institutes WHERE slug = $1', [slug]);
    if (rows.length === 0) throw new InstituteNotFoundError(`no institute "${slug}"`);
  }

  private async touch(slug: string): Promise<void> {
    await this.pg.query('UPDATE institutes SET updated_at = now() WHERE slug = $1', [slug]);
  }
}
