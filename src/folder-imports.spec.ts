import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';

/** Top-level folder of a file under src/ ('' for the root files such as app.module.ts). */
function folderOf(file: string): string {
  const parts = relative(__dirname, file).split('/');
  return parts.length > 1 ? parts[0] : '';
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') && !path.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Folder -> the folders its files import from (root files excluded: they compose everything). */
function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles(__dirname)) {
    const from = folderOf(file);
    if (from === '') continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/from\s+'(\.[^']+)'/g)) {
      const to = folderOf(normalize(join(dirname(file), match[1])));
      if (to === '' || to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** One cycle as a path of folders, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'open')
      return [...path.slice(path.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'open');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * The rooms split out of auth/ (issue 22), in the order they stack: each may
 * import only the folders to its left (and those below all of them).
 * auth/ is above them all: it issues tokens for sessions it opens after
 * checking credentials, and asks revocation about every token.
 */
const AUTH_LAYERS = ['revocation', 'sessions', 'credentials', 'auth'];

describe('folders under src/', () => {
  it('import each other without cycles: a folder only imports from folders below it', () => {
    expect(findCycle(folderGraph())).toBeUndefined();
  });

  it.each(AUTH_LAYERS.slice(0, -1))(
    '%s/ imports none of the auth rooms above it',
    (folder) => {
      const above = AUTH_LAYERS.slice(AUTH_LAYERS.indexOf(folder) + 1);
      const imported = [...(folderGraph().get(folder) ?? [])];
      expect(imported.filter((to) => above.includes(to))).toEqual([]);
    },
  );
});
