import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// Every relative link in the repository's Markdown must lead somewhere: a moved or renamed file,
// or a renamed heading, fails here naming the file, the line and the link. Code comments that
// send the reader to a section (`docs/x.md, "Section"`) are held to the same rule.
const ROOT = join(__dirname, '..');
const listed = (...patterns: string[]) =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', ...patterns], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && existsSync(join(ROOT, f)));

/** Fenced code blocks become blank lines (keeping line numbers); inline code spans are dropped. */
export function proseLines(markdown: string): string[] {
  let fence: string | null = null;
  return markdown.split('\n').map((line) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(line);
    if (m && (fence === null || m[1].startsWith(fence))) {
      fence = fence === null ? m[1] : null;
      return '';
    }
    return fence === null ? line.replace(/(`+)[^`]*?\1/g, '') : '';
  });
}

/** GitHub's anchor for a heading's text: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{N}\p{M}\s_-]/gu, '').replace(/\s/g, '-');
}

/** Every anchor a Markdown file has: its headings' slugs (a repeated one gets -1, -2…). */
export function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(`{3,}|~{3,})/.test(line)) fence = !fence;
    const h = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = slug(h[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

export interface Link {
  line: number;
  target: string;
}

/** Inline links and images `[x](target)`, `<target>` forms and reference definitions `[x]: target`. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  proseLines(markdown).forEach((text, i) => {
    for (const m of text.matchAll(/\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+"[^"]*")?\s*\)/g))
      out.push({ line: i + 1, target: m[1].replace(/^<|>$/g, '') });
    const def = /^\s{0,3}\[[^\]]+\]:\s*(\S+)/.exec(text);
    if (def) out.push({ line: i + 1, target: def[1] });
  });
  return out;
}

const external = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);
const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string) => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchors(readFileSync(file, 'utf8')));
  return anchorCache.get(file)!;
};

/** What is wrong with one link of `file`, or null when it resolves. */
export function brokenLink(file: string, target: string): string | null {
  if (external(target)) return null;
  const [rawPath, anchor] = target.split('#', 2);
  const path = decodeURIComponent(rawPath);
  const dest = path === '' ? file : resolve(dirname(file), path);
  if (!existsSync(dest)) return `${relative(ROOT, dest)} does not exist`;
  if (anchor === undefined || anchor === '' || statSync(dest).isDirectory() || !dest.endsWith('.md')) return null;
  return anchorsOf(dest).has(decodeURIComponent(anchor).toLowerCase()) ? null : `${relative(ROOT, dest)} has no heading #${anchor}`;
}

describe('links in the Markdown files', () => {
  const docs = listed('*.md');

  it('finds the documents and the links it checks (the scan itself works)', () => {
    expect(docs).toEqual(expect.arrayContaining(['README.md', 'docs/analytics-model.md', 'docs/configuration.md']));
    expect(links('see [a](docs/a.md#x-y) and `[b](nowhere.md)`\n```\n[c](nowhere.md)\n```\n[d]: ../e.md')).toEqual([
      { line: 1, target: 'docs/a.md#x-y' },
      { line: 5, target: '../e.md' },
    ]);
    expect(slug('PostgreSQL roles: who connects as what')).toBe('postgresql-roles-who-connects-as-what');
    expect(slug('BI access (`bi_reader`)')).toBe('bi-access-bi_reader');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n### B: c')]).toEqual(['a', 'a-1', 'b-c']);
    expect(brokenLink(join(ROOT, 'README.md'), 'docs/nowhere.md')).toBe('docs/nowhere.md does not exist');
    expect(brokenLink(join(ROOT, 'README.md'), '#no-such-heading')).toBe('README.md has no heading #no-such-heading');
  });

  it('every relative link leads to a file that exists, and every anchor to a heading of it', () => {
    const bad: string[] = [];
    for (const doc of docs) {
      const file = join(ROOT, doc);
      for (const { line, target } of links(readFileSync(file, 'utf8'))) {
        const problem = brokenLink(file, target);
        if (problem) bad.push(`${doc}:${line}: (${target}): ${problem}`);
      }
    }
    expect(bad).toEqual([]);
  });
});

/**
 * `README, "Section"`, `docs/x.md, "Section"`, `libs/a/README.md: "Section"` in any text file, also
 * when a line break (and a comment's `#`, `//`, `*` or `--`) falls inside the reference.
 */
export function sectionRefs(text: string): { line: number; doc: string; section: string }[] {
  const out: { line: number; doc: string; section: string }[] = [];
  const gap = String.raw`(?:\s|#|//|\*|--)+`;
  const re = new RegExp(String.raw`((?:[\w.-]+\/)*(?:README(?:\.md)?|[\w-]+\.md))[,:]?${gap}"([^"]+)"`, 'g');
  for (const m of text.matchAll(re)) {
    out.push({
      line: text.slice(0, m.index).split('\n').length,
      doc: m[1] === 'README' ? 'README.md' : m[1],
      section: m[2].replace(new RegExp(`\n${gap}`, 'g'), ' ').trim(),
    });
  }
  return out;
}

describe('sections named in code and docs', () => {
  it('finds the references it checks (the scan itself works)', () => {
    expect(sectionRefs('// a (README, "Configuration") b (docs/guarantees.md: "Under\n// faults")\n# (see README,\n# "Try it")')).toEqual([
      { line: 1, doc: 'README.md', section: 'Configuration' },
      { line: 1, doc: 'docs/guarantees.md', section: 'Under faults' },
      { line: 3, doc: 'README.md', section: 'Try it' },
    ]);
  });

  it('every `<doc>, "Section"` names a document that exists and a heading it has', () => {
    const headings = (doc: string) =>
      readFileSync(join(ROOT, doc), 'utf8')
        .split('\n')
        .filter((l) => /^#{1,6}\s/.test(l))
        .map((l) =>
          l
            .replace(/^#+\s+/, '')
            .replace(/`/g, '')
            .toLowerCase(),
        );
    const bad: string[] = [];
    const files = listed(
      '*.ts',
      '*.js',
      '*.mjs',
      '*.sh',
      '*.sql',
      '*.yml',
      '*.yaml',
      '*.xml',
      '*.conf',
      '*.md',
      'Dockerfile',
      '.ci/*',
    ).filter((f) => f !== 'test/doc-links.test.ts');
    for (const f of files) {
      for (const { line, doc, section } of sectionRefs(readFileSync(join(ROOT, f), 'utf8'))) {
        const path = doc.includes('/') || doc === 'README.md' ? doc : join(dirname(f), doc);
        if (!existsSync(join(ROOT, path))) bad.push(`${f}:${line}: ${doc} does not exist`);
        else if (!headings(path).some((h) => h.startsWith(section.toLowerCase())))
          bad.push(`${f}:${line}: ${path} has no section "${section}"`);
      }
    }
    expect(bad).toEqual([]);
  });
});
