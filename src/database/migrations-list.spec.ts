import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from './data-source-options';

describe('MIGRATIONS', () => {
  it('lists every migration file, in timestamp order', () => {
    const files = readdirSync(join(__dirname, 'migrations'))
      .filter((name) => /^\d+-.+\.ts$/.test(name))
      .map((name) => Number(name.split('-')[0]))
      .sort((a, b) => a - b);
    const listed = MIGRATIONS.map((migration) =>
      Number(/(\d+)$/.exec(migration.name)?.[1]),
    );
    expect(listed).toEqual(files);
  });
});
