'use strict';
/** What the figures were measured on: without it a req/s number means little. */
const os = require('node:os');
const fs = require('node:fs');

function machineInfo() {
  const cpus = os.cpus();
  let model = cpus[0] ? cpus[0].model : 'unknown';
  try {
    const m = /model name\s*:\s*(.+)/.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1].trim();
  } catch { /* not Linux */ }
  return {
    cpuModel: model,
    cores: os.availableParallelism ? os.availableParallelism() : cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

module.exports = { machineInfo };
