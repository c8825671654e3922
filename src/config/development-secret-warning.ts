import { isIP } from 'node:net';
import { AppConfig } from './app-config';

/** True for names and addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1') return true;
  const v4 = name.startsWith('::ffff:') ? name.slice('::ffff:'.length) : name;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/**
 * The start-up warning for a server others can reach that signs tokens with
 * the secret generated into DATA_DIR: with NODE_ENV unset, a production host
 * would otherwise do so silently, and anyone who reads that file (a backup, a
 * copied data folder) can sign admin tokens.
 */
export function developmentSecretWarning(
  config: Pick<AppConfig, 'generatedJwtSecretFile' | 'host'>,
): string | undefined {
  const file = config.generatedJwtSecretFile;
  if (file === undefined || isLoopbackHost(config.host)) return undefined;
  return (
    `JWT_SECRET is not set: access tokens are signed with the development secret generated in ${file}, ` +
    `and HOST=${config.host} is reachable from other machines. Set JWT_SECRET ` +
    '(e.g. `openssl rand -base64 48`) and NODE_ENV=production on any shared or production host.'
  );
}
