import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** The pages whose relative links must resolve: the README, every page under docs/, and the folder READMEs. */
function pages(): string[] {
  const docs = readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(root, 'docs', name));
  return [
    join(root, 'README.md'),
    ...docs,
    join(root, 'shared', 'README.md'),
    join(root, 'functions', 'README.md'),
  ].filter((file) => existsSync(file));
}

/** Markdown links `[text](target)` outside code, with the line each is on. */
function links(markdown: string): Array<{ target: string; line: number }> {
  const found: Array<{ target: string; line: number }> = [];
  let fenced = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*```/.test(text)) fenced = !fenced;
    if (fenced) return;
    const prose = text.replace(/`[^`]*`/g, '');
    for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g))
      found.push({ target: match[1] ?? '', line: index + 1 });
  });
  return found;
}

/** The anchors a page offers: explicit `<a id="…">` and GitHub's heading slugs. */
function anchors(markdown: string): Set<string> {
  const ids = new Set<string>();
  for (const match of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) ids.add(match[1] ?? '');
  for (const match of markdown.matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const slug = (match[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, '')
      .replace(/ /g, '-');
    ids.add(slug);
  }
  return ids;
}

const external = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

describe('relative links in the README and docs/', () => {
  const files = pages();

  it('finds the pages', () => {
    expect(files.map((file) => relative(root, file))).toEqual(
      expect.arrayContaining(['README.md', 'docs/api.md', 'docs/runbook.md']),
    );
  });

  for (const file of files) {
    it(`every relative link in ${relative(root, file)} resolves`, () => {
      const markdown = readFileSync(file, 'utf8');
      const broken: string[] = [];
      for (const { target, line } of links(markdown)) {
        if (external.test(target)) continue;
        const [path = '', fragment] = target.split('#');
        const resolved = path === '' ? file : join(dirname(file), decodeURIComponent(path));
        if (!existsSync(resolved)) {
          broken.push(`line ${line}: ${target} (no such file)`);
          continue;
        }
        if (fragment && resolved.endsWith('.md') && !anchors(readFileSync(resolved, 'utf8')).has(fragment)) {
          broken.push(`line ${line}: ${target} (no such anchor)`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
