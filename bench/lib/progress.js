'use strict';
/**
 * Terminal progress: which scenario runs and roughly how long is left. The
 * estimate is the planned budget (sum of load durations plus set-up
 * allowances) minus what is done, so it only shrinks as steps complete.
 */
const started = Date.now();
let plannedMs = 0;
let doneMs = 0;

function fmt(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

module.exports = {
  plan(ms) { plannedMs += ms; },
  /** Marks `ms` of the planned budget as consumed. */
  advance(ms) { doneMs += ms; },
  log(message) {
    const elapsed = Date.now() - started;
    const left = Math.max(plannedMs - doneMs, 0);
    process.stdout.write(`[${fmt(elapsed)} elapsed, ~${fmt(left)} left] ${message}\n`);
  },
  elapsedMs() { return Date.now() - started; },
};
