'use strict';
/**
 * The ceiling for logins: argon2id hashes per second this machine reaches
 * with `concurrency` hashes in flight, same ARGON2_OPTIONS as the server,
 * in a process of its own (no HTTP, no database).
 *
 * Usage: node argon2-rate.js <concurrency> <seconds> <optionsJSON>; prints one JSON line.
 */
const { hash } = require('@node-rs/argon2');

const concurrency = Number(process.argv[2]);
const seconds = Number(process.argv[3]);
const options = JSON.parse(process.argv[4]);

async function main() {
  // One warm-up hash: the first call allocates the 19 MiB block.
  await hash('warm-up-password', options);
  const started = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  let count = 0;
  async function lane(id) {
    let i = 0;
    while (Date.now() < deadline) {
      await hash(`bench-password-${id}-${i++}`, options);
      count++;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, (_, id) => lane(id)));
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ hashes: count, seconds: elapsedS, perSecond: count / elapsedS }) + '\n');
}
main().catch((error) => {
  process.stdout.write(JSON.stringify({ error: String(error) }) + '\n');
  process.exit(1);
});
