'use strict';
/** Runs autocannon in a separate process (bench/clients/cannon.js) and returns its summary. */
const fs = require('node:fs');
const path = require('node:path');
const { spawnTracked } = require('./proc');

let specCounter = 0;

/**
 * @param {object} spec see clients/cannon.js
 * @param {string} tmpDir where the spec file goes (removed by cleanup)
 */
function cannon(spec, tmpDir) {
  const file = path.join(tmpDir, `cannon-${process.pid}-${specCounter++}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolve, reject) => {
    const child = spawnTracked(process.execPath, [path.join(__dirname, '..', 'clients', 'cannon.js'), file], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      fs.rmSync(file, { force: true });
      const line = out.trim().split('\n').pop();
      try {
        const result = JSON.parse(line);
        if (result.error) return reject(new Error(`autocannon: ${result.error}`));
        // Nothing but socket errors means nobody answered: the server died
        // (or was killed from outside). Figures from such a run are garbage,
        // so stop the bench instead of reporting them.
        if (result.ok2xx === 0 && result.errors > 0 && Object.keys(result.statusCodes).length === 0) {
          return reject(new Error(`no HTTP answer from ${spec.url}${spec.path} (${result.errors} socket errors): did the server exit?`));
        }
        resolve(result);
      } catch {
        reject(new Error(`autocannon exited ${code}: ${err.slice(-500) || out.slice(-500)}`));
      }
    });
  });
}

module.exports = { cannon };
