import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { ParseIdPipe } from './parse-id.pipe';

const SRC = join(__dirname, '..');

function controllerFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return controllerFiles(path);
    return path.endsWith('.controller.ts') ? [path] : [];
  });
}

interface RouteArg {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

/** Every `@Param('name')` of every controller under src/, with its declared type and pipes. */
function pathParams(): Array<{
  where: string;
  type: unknown;
  pipes: unknown[];
}> {
  const found: Array<{ where: string; type: unknown; pipes: unknown[] }> = [];
  for (const file of controllerFiles(SRC)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(file) as Record<string, unknown>;
    for (const controller of Object.values(exports)) {
      if (typeof controller !== 'function') continue;
      if (Reflect.getMetadata(PATH_METADATA, controller) === undefined)
        continue;
      const prototype = controller.prototype as object;
      for (const method of Object.getOwnPropertyNames(prototype)) {
        const args = (Reflect.getMetadata(
          ROUTE_ARGS_METADATA,
          controller,
          method,
        ) ?? {}) as Record<string, RouteArg>;
        const types = (Reflect.getMetadata(
          'design:paramtypes',
          prototype,
          method,
        ) ?? []) as unknown[];
        for (const [key, arg] of Object.entries(args)) {
          if (key.split(':')[0] !== String(RouteParamtypes.PARAM)) continue;
          found.push({
            where: `${relative(SRC, file)} ${controller.name}.${method}(@Param('${String(arg.data)}'))`,
            type: types[arg.index],
            pipes: arg.pipes ?? [],
          });
        }
      }
    }
  }
  return found;
}

describe('path parameters', () => {
  const params = pathParams();

  it('finds the routes with ids (the check below is not vacuous)', () => {
    expect(
      params.filter((param) => param.type === Number).length,
    ).toBeGreaterThanOrEqual(6);
  });

  // The global ValidationPipe hands a path parameter over as the string it
  // came as; a `number` without ParseIdPipe would be that string, unchecked.
  it('every numeric path parameter goes through ParseIdPipe', () => {
    const unparsed = params
      .filter((param) => param.type === Number)
      .filter(
        (param) =>
          !param.pipes.some(
            (pipe) => pipe === ParseIdPipe || pipe instanceof ParseIdPipe,
          ),
      )
      .map((param) => param.where);
    expect(unparsed).toEqual([]);
  });

  it('every path parameter has a pipe that checks its form', () => {
    const unchecked = params
      .filter((param) => param.pipes.length === 0)
      .map((param) => param.where);
    expect(unchecked).toEqual([]);
  });
});
