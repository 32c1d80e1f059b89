/**
 * A second Patchbay process for the shared-state tests: opens the same
 * SQLite file, builds the same breaker and limiter, and runs what the parent
 * asks over IPC. Run with `fork(path, [dbPath], { execArgv: ['--import', 'tsx'] })`.
 */
import { openSqliteStore } from '../../store/sqlite/index.js';
import type { PatchbayError } from '../../core/errors.js';
import { CircuitBreaker } from '../circuit-breaker.js';
import { RateLimiter } from '../rate-limiter.js';
import { sleep } from '../clock.js';
import { FLEET_BREAKER, FLEET_LIMIT, type FleetCommand } from './fleet-options.js';

async function main() {
  const path = process.argv[2];
  if (!path || !process.send) throw new Error('usage: fork(fleet-worker, [dbPath])');
  const store = await openSqliteStore({ path });
  const breaker = new CircuitBreaker(FLEET_BREAKER, { name: 'fleet', store: store.policyState });
  const limiter = new RateLimiter(FLEET_LIMIT, { name: 'fleet', store: store.policyState });
  const reply = (msg: unknown) => process.send!(msg);

  process.on('message', (msg: FleetCommand) => {
    void (async () => {
      switch (msg.cmd) {
        case 'breaker-check': {
          const r = await breaker
            .execute(() => 'ok')
            .then(
              () => 'ok',
              (e: PatchbayError) => e.code,
            );
          reply({ code: r });
          break;
        }
        case 'breaker-probe': {
          let ran = 0;
          const codes = await Promise.all(
            Array.from({ length: msg.n }, () =>
              breaker
                .execute(async () => {
                  ran++;
                  await sleep(msg.holdMs);
                })
                .then(
                  () => 'ok',
                  (e: PatchbayError) => e.code,
                ),
            ),
          );
          reply({ ran, codes });
          break;
        }
        case 'limit': {
          const times: number[] = [];
          await Promise.all(
            Array.from({ length: msg.n }, () => limiter.execute(() => times.push(Date.now()))),
          );
          reply({ times });
          break;
        }
        case 'exit':
          await store.close();
          process.exit(0);
      }
    })();
  });
  reply({ ready: true });
}

void main();
