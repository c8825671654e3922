'use strict';
/**
 * The program of PasswordHashPool's threads (piscina loads it by file name,
 * one named export per task). Plain CommonJS, so that one file runs as it is
 * from src/ (Jest, ts-node) and from dist/ (the build copies it: allowJs in
 * tsconfig.build.json), with no TypeScript compiler in the thread.
 *
 * Synchronous on purpose: argon2's async API would hand the work to libuv's
 * pool at the event loop's priority, and this thread's nice value would
 * lower nothing.
 */
const { hashSync, verifySync } = require('@node-rs/argon2');

/** @param {{ password: string, options: import('@node-rs/argon2').Options }} job */
exports.hash = ({ password, options }) => hashSync(password, options);

/** @param {{ hash: string, password: string }} job */
exports.verify = ({ hash, password }) => verifySync(hash, password);
