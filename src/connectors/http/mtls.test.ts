import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../../observability/testing.js';
import { guardedCall } from './call.js';
import { httpPoll } from './rest-source.js';
import { openConnection, type CommonHttpConfig } from './options.js';
import { bareContext, tempStore } from './__fixtures__/test-support.js';

let dir: string;
let server: Server;
let base: string;

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });

/** Issues certificates with the openssl CLI; a missing openssl fails the suite loudly. */
function issue(name: string, cn: string, caName?: string, san?: string): void {
  const key = join(dir, `${name}.key`);
  const ecKey = [
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
  ];
  if (caName === undefined) {
    openssl([
      'req',
      '-x509',
      ...ecKey,
      '-out',
      join(dir, `${name}.crt`),
      '-days',
      '1',
      '-subj',
      `/CN=${cn}`,
    ]);
    return;
  }
  const csr = join(dir, `${name}.csr`);
  openssl(['req', ...ecKey, '-out', csr, '-subj', `/CN=${cn}`]);
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, san ? `subjectAltName=${san}\n` : 'extendedKeyUsage=clientAuth\n');
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    join(dir, `${caName}.crt`),
    '-CAkey',
    join(dir, `${caName}.key`),
    '-CAcreateserial',
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '1',
    '-extfile',
    ext,
  ]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'patchbay-mtls-'));
  issue('ca', 'Patchbay Test CA');
  issue('rogue', 'Rogue CA');
  issue('server', 'localhost', 'ca', 'IP:127.0.0.1,DNS:localhost');
  issue('client1', 'client-1', 'ca');
  issue('client2', 'client-2', 'ca');
  copyFileSync(join(dir, 'client1.crt'), join(dir, 'client.crt'));
  copyFileSync(join(dir, 'client1.key'), join(dir, 'client.key'));
  const read = (f: string) => readFileSync(join(dir, f));
  server = createServer(
    {
      key: read('server.key'),
      cert: read('server.crt'),
      ca: read('ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ cn: peer.subject?.CN }));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 20_000);
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function config(tls: CommonHttpConfig['tls']): CommonHttpConfig {
  // Parsed by the connector's own schema, so the `tls` config field is what is tested.
  return httpPoll.spec.config.parse({ url: `${base}/whoami`, timeout: '5s', tls });
}

async function whoAmI(tls: CommonHttpConfig['tls']) {
  const { store, dispose } = await tempStore();
  const log = captureLog();
  const ctx = bareContext(store, log.logger);
  const conn = openConnection(config(tls), ctx);
  const call = () =>
    guardedCall(
      ctx,
      () => ({ method: 'GET', url: new URL(`${base}/whoami`), headers: {} }),
      conn,
    ).then((r) => (JSON.parse(r.response.body.toString()) as { cn: string }).cn);
  return {
    call,
    log,
    async done() {
      await conn.client.close();
      await dispose();
    },
  };
}

describe('mutual TLS', () => {
  it('presents the client certificate, pins the CA and picks up a rotated certificate without restart', async () => {
    const session = await whoAmI({
      cert: `file:${join(dir, 'client.crt')}`,
      key: `file:${join(dir, 'client.key')}`,
      ca: `file:${join(dir, 'ca.crt')}`,
    });
    expect(await session.call()).toBe('client-1');
    copyFileSync(join(dir, 'client2.crt'), join(dir, 'client.crt'));
    copyFileSync(join(dir, 'client2.key'), join(dir, 'client.key'));
    expect(await session.call()).toBe('client-2');
    expect(session.log.text()).not.toContain('PRIVATE KEY');
    await session.done();
  });

  it('refuses a server whose certificate is not from the pinned CA', async () => {
    const session = await whoAmI({
      cert: `file:${join(dir, 'client1.crt')}`,
      key: `file:${join(dir, 'client1.key')}`,
      ca: `file:${join(dir, 'rogue.crt')}`,
    });
    await expect(session.call()).rejects.toMatchObject({ kind: 'auth', retryable: false });
    await session.done();
  });

  // With TLS 1.3 the server refuses after the client's handshake completes, so the
  // client only sees the connection closed: a `connection` error, not `auth`.
  it('fails when no client certificate is presented', async () => {
    const session = await whoAmI({ ca: `file:${join(dir, 'ca.crt')}` });
    const err = await session.call().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'PatchbayError', kind: 'connection' });
    await session.done();
  });
});
