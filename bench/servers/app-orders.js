'use strict';
/**
 * This application (from dist/) with the orders fixture of the
 * documentation mounted twice, for scenario 9 (bench/scenarios/idempotency.js):
 *
 * - `POST /orders`: test/fixtures/orders.module.ts as it is, `@Idempotent()`
 *   and `@RequireScope('trade')` under `@RequireTier(Tier.Trader)`;
 * - `POST /orders-plain`: the same source with the one `@Idempotent()` line
 *   taken out, nothing else changed.
 *
 * The fixture is TypeScript outside the build (tsconfig.build.json leaves
 * test/ out), so it is transpiled here at start-up with the project's
 * TypeScript, its front-door import pointed at dist/. Transpiling the file
 * itself, rather than keeping a JavaScript copy, keeps the measured route the
 * documented one. Started like main.js (same configuration from the
 * environment).
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'src');
require(path.join(DIST, 'runtime-flags'));
require('reflect-metadata');
const ts = require('typescript');
const { createApp } = require(path.join(DIST, 'app.setup'));
const { loadConfig } = require(path.join(DIST, 'config', 'load-config'));

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'orders.module.ts');

/** `source` with each [from, to] replaced exactly once; throws when the fixture no longer has `from`. */
function edit(source, replacements) {
  let out = source;
  for (const [from, to] of replacements) {
    const count = out.split(from).length - 1;
    if (count !== 1) throw new Error(`${FIXTURE}: expected ${JSON.stringify(from)} once, found it ${count} times`);
    out = out.replace(from, to);
  }
  return out;
}

/** Compiles `source` as a module that lives beside the fixture (so its own imports resolve) and returns its exports. */
function load(source, name) {
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, experimentalDecorators: true, emitDecoratorMetadata: true, esModuleInterop: true },
    fileName: FIXTURE,
  });
  const filename = path.join(path.dirname(FIXTURE), `${name}.bench.js`);
  const m = new Module(filename, module);
  m.filename = filename;
  m.paths = Module._nodeModulePaths(path.dirname(FIXTURE));
  m._compile(outputText, filename);
  return m.exports;
}

const original = fs.readFileSync(FIXTURE, 'utf8');
const platform = [`from '../../src/platform'`, `from ${JSON.stringify(path.join(DIST, 'platform'))}`];
const keyed = load(edit(original, [platform]), 'orders');
const plain = load(
  edit(original, [
    platform,
    ['  @Idempotent() // a retry with the same Idempotency-Key places nothing twice\n', ''],
    [`@Controller('orders')`, `@Controller('orders-plain')`],
  ]),
  'orders-plain',
);

createApp(loadConfig(), [keyed.OrdersModule, plain.OrdersModule])
  .then((app) => app.listen({ port: Number(process.env.PORT), host: process.env.HOST || '127.0.0.1' }))
  .catch((error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  });
