// A verifier that no one here wrote: only `jose`, as another service of the
// platform would use it. It reads one access token per line on stdin and
// answers one JSON line per token on stdout: {ok: true, kid, sub} or
// {ok: false, code}. Its JWKS cache lives as long as the process, as a real
// service's does: cacheMaxAge is JWKS_MAX_AGE.
//
// Usage: node jose-verifier.mjs <jwks url> <issuer> <audience> <alg> <cache ms>
import { createInterface } from 'node:readline';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const [url, issuer, audience, alg, cacheMs] = process.argv.slice(2);
const jwks = createRemoteJWKSet(new URL(url), {
  cacheMaxAge: Number(cacheMs),
  cooldownDuration: Math.min(Number(cacheMs), 30_000),
});

const lines = createInterface({ input: process.stdin });
for await (const token of lines) {
  let answer;
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer,
      audience,
      algorithms: [alg],
    });
    answer = { ok: true, kid: protectedHeader.kid, sub: payload.sub };
  } catch (error) {
    answer = { ok: false, code: error.code ?? String(error) };
  }
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}
