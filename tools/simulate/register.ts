import { hashInstituteKey, keyMatches } from '@wise/contracts';
import { ensurePostgresDatabase, InstituteExistsError, InstitutesRepository, migratePostgres, Postgres } from '@wise/postgres';

export interface Credentials {
  slug: string;
  name: string;
  keyHeader: string;
  key: string;
}

/**
 * Registers the simulated institutes in ingestion's PostgreSQL, as `npm run cli -- institutes add`
 * does, unless they are there already with the same key (keys come from the seed, so a second run
 * with the same seed finds them). An existing institute with another key or header, or disabled,
 * is an error: the simulator never changes an institute it did not create as it is.
 */
export async function registerInstitutes(databaseUrl: string, list: Credentials[]): Promise<{ added: number; existing: number }> {
  await ensurePostgresDatabase(databaseUrl);
  const pg = new Postgres(databaseUrl, 1);
  try {
    await migratePostgres(pg);
    const repo = new InstitutesRepository(pg);
    let added = 0;
    let existing = 0;
    let enabled: Awaited<ReturnType<InstitutesRepository['loadEnabledWithKeys']>> | null = null;
    for (const i of list) {
      try {
        await repo.add(i.slug, i.name, i.keyHeader, hashInstituteKey(i.key));
        added++;
      } catch (e) {
        if (!(e instanceof InstituteExistsError)) throw e;
        enabled ??= await repo.loadEnabledWithKeys();
        const found = enabled.find((r) => r.slug === i.slug);
        const usable = found && found.keyHeader === i.keyHeader && found.keys.some((k) => keyMatches(i.key, k.salt, k.keyHash));
        if (!usable) {
          throw new Error(`institute "${i.slug}" exists but is disabled or has another key or header; choose another --prefix or --seed`);
        }
        existing++;
      }
    }
    return { added, existing };
  } finally {
    await pg.close();
  }
}
