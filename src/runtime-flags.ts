import { setFlagsFromString } from 'node:v8';

/**
 * Switches off V8's allocation-site pretenuring, first thing in the server
 * process, before any request is served.
 *
 * Why: V8 may decide that an allocation site's objects live long and
 * allocate them in the old generation from then on. A server that had
 * loaded 1,000,000 blocklist rows and taken 1,000 logins did this for the
 * HTTP request objects themselves (`--trace-deopt` shows IncomingMessage
 * and the parser's code deoptimised on a code dependency, as a change of
 * pretenuring decision does): each young collection then took 10-12 ms
 * instead of 1-2, and GET /auth/me ran about 20 % slower, p99 11 ms
 * instead of 3 (docs/operations.md, "Pretenuring is off"). The service's
 * long-lived data sits in typed arrays and a few maps, which gain nothing
 * from pretenuring.
 *
 * V8 reads this flag at each collection, so setting it at run time works
 * (Node refuses it in NODE_OPTIONS), and it holds however the server is
 * started.
 */
setFlagsFromString('--no-allocation-site-pretenuring');
