/**
 * Runs benchmark scenarios and writes `bench/results/<scenario>.json`.
 *
 *   tsx bench/run.ts                       # every scenario
 *   tsx bench/run.ts store.durable-write   # only the named ones
 *
 * Environment: BENCH_REPEATS (default 3), BENCH_DURATION_MS (per timed run,
 * default 800), BENCH_TMPDIR (where scratch files go; must be a real disk,
 * not tmpfs, or fsync measures nothing).
 */
import { fileURLToPath } from 'node:url';
import { formatTable, runScenario, writeResult, type Scenario } from './harness.js';
import { storeDurableWrite } from './scenarios/store-durable-write.js';
import { resilienceOverhead } from './scenarios/resilience-overhead.js';
import { pollRestRateLimited } from './scenarios/poll-rest-ratelimited.js';
import { sqlExtractScenario } from './scenarios/sql-extract.js';
import { mappingRows } from './scenarios/mapping-rows.js';
import { ingestWebhookDurable } from './scenarios/ingest-webhook-durable.js';
import { outboxDrain } from './scenarios/outbox-drain.js';
import { filedropCsvE2e } from './scenarios/filedrop-csv.js';
import { memoryStream } from './scenarios/memory-stream.js';

const SCENARIOS: Record<string, () => Scenario> = {
  'store.durable-write': storeDurableWrite,
  'resilience.overhead': resilienceOverhead,
  'poll.rest.ratelimited': pollRestRateLimited,
  'sql.extract': sqlExtractScenario,
  'mapping.rows': mappingRows,
  'ingest.webhook.durable': ingestWebhookDurable,
  'outbox.drain': outboxDrain,
  'filedrop.csv.e2e': filedropCsvE2e,
  'memory.stream.1gb': memoryStream,
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in SCENARIOS));
if (unknown.length > 0) {
  console.error(`unknown scenario(s): ${unknown.join(', ')}`);
  console.error(`available: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}

const repeats = process.env['BENCH_REPEATS'] ? Number(process.env['BENCH_REPEATS']) : undefined;
for (const name of wanted.length > 0 ? wanted : Object.keys(SCENARIOS)) {
  const scenario = (SCENARIOS[name] as () => Scenario)();
  console.log(`▶ ${scenario.name}`);
  const result = await runScenario(scenario, {
    ...(repeats === undefined ? {} : { repeats }),
    log: (line) => console.log(line),
  });
  const out = fileURLToPath(new URL(`./results/${scenario.name}.json`, import.meta.url));
  writeResult(out, result);
  console.log(`\n${formatTable(result)}\n\nwrote ${out}\n`);
}
