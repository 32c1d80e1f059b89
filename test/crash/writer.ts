/**
 * Child process for the SIGKILL test: appends to the inbox with many
 * concurrent writers forever and prints `<id> <eventId>` for each append only
 * after its promise resolved, i.e. after the store acknowledged it as durable.
 *
 * Usage: tsx test/crash/writer.ts <db path> <concurrent writers>
 */
import { openSqliteStore } from '../../src/store/index.js';

const [path, writersArg] = process.argv.slice(2);
if (!path) throw new Error('usage: writer.ts <db path> <writers>');
const writers = Number(writersArg ?? 64);
const store = await openSqliteStore({ path });

let next = 0;
async function writer(): Promise<never> {
  for (;;) {
    const eventId = `evt-${process.pid}-${next++}`;
    const { id } = await store.inbox.append({
      integrationId: 'crash',
      eventId,
      receivedAt: Date.now(),
      body: Buffer.from(eventId),
    });
    process.stdout.write(`${id} ${eventId}\n`);
  }
}

await Promise.all(Array.from({ length: writers }, writer));
