import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

// The manual is README.md (the landing page), docs/ and bench/RESULTS.md:
// other engineers move sections between them, so a link or an anchor that
// no longer resolves is caught here rather than by a reader.
const ROOT = resolve(__dirname, '..');

function markdownFiles(): string[] {
  const inDocs = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? inDocs(join(dir, entry.name))
        : entry.name.endsWith('.md')
          ? [join(dir, entry.name)]
          : [],
    );
  return [
    join(ROOT, 'README.md'),
    join(ROOT, 'bench/RESULTS.md'),
    ...inDocs(join(ROOT, 'docs')),
  ];
}

/** The text outside fenced code blocks, where links and headings count. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replace(/ /g, '-');
}

function anchorsIn(file: string): Set<string> {
  const headings = prose(readFileSync(file, 'utf8')).matchAll(
    /^#{1,6} (.+)$/gm,
  );
  return new Set([...headings].map(([, text]) => anchorOf(text)));
}

function relativeLinks(file: string): string[] {
  const links = prose(readFileSync(file, 'utf8')).matchAll(/\]\(([^)\s]+)\)/g);
  return [...links]
    .map(([, target]) => target)
    .filter((target) => !/^[a-z]+:/i.test(target));
}

describe('the documentation', () => {
  it.each(markdownFiles().map((file) => [relative(ROOT, file), file]))(
    '%s: every relative link and anchor resolves',
    (_name, file) => {
      const broken = relativeLinks(file).filter((link) => {
        const [path, anchor] = link.split('#');
        const target = path ? resolve(dirname(file), path) : file;
        if (!existsSync(target)) return true;
        return anchor !== undefined && !anchorsIn(target).has(anchor);
      });
      expect(broken).toEqual([]);
    },
  );

  it("integrating.md's feature module is test/fixtures/orders.module.ts, verbatim", () => {
    const doc = readFileSync(join(ROOT, 'docs/integrating.md'), 'utf8');
    const block =
      /```ts\n\/\/ src\/orders\/orders\.module\.ts\n([\s\S]*?)```/.exec(doc);
    expect(block).not.toBeNull();
    const fixture = readFileSync(
      join(ROOT, 'test/fixtures/orders.module.ts'),
      'utf8',
    );
    // The doc's module sits in src/orders/, the fixture in test/fixtures/.
    expect(fixture).toContain(
      block![1].replace("from '../platform'", "from '../../src/platform'"),
    );
  });
});
