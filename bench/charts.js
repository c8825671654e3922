'use strict';
/**
 * Redraws the SVG charts of a finished run from its results.json, without
 * running anything: `node bench/charts.js [results.json] [outDir]`.
 * Defaults: bench/results.json, and the folder of the results file; the
 * charts go to <outDir>/charts/, where RESULTS.md's image links point
 * (RESULTS.md itself is left alone). Charts without data are not drawn.
 */
const fs = require('node:fs');
const path = require('node:path');
const { writeCharts } = require('./lib/charts');

const [fileArg, outArg] = process.argv.slice(2);
const file = path.resolve(fileArg || path.join(__dirname, 'results.json'));
const outDir = path.resolve(outArg || path.dirname(file));
const results = JSON.parse(fs.readFileSync(file, 'utf8'));
const charts = writeCharts(results, outDir);
for (const c of charts) {
  const written = path.join(outDir, c.file);
  const relative = path.relative(process.cwd(), written);
  process.stdout.write(`${relative.startsWith('..') ? written : relative}\n`);
}
if (charts.length === 0) process.stdout.write(`no chart has data in ${file}\n`);
