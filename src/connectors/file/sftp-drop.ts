/**
 * A drop folder on an SFTP server (ssh2-sftp-client, an optional peer
 * dependency loaded on first use). The server's host key is pinned by its
 * SHA-256 fingerprint: a server that presents another key is refused before
 * any credential is sent.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { ConnectorContext } from '../../core/connector.js';
import { PatchbayError } from '../../core/errors.js';
import type { SftpDropConfig } from './sftp-config.js';
import { fsyncPath, type DropEntry, type DropFolder } from './drop.js';
import { guardedCall } from './guarded-call.js';

/** The part of ssh2-sftp-client this drop uses (the package ships no types). */
interface SftpClient {
  connect(options: Record<string, unknown>): Promise<unknown>;
  list(
    path: string,
  ): Promise<Array<{ type: string; name: string; size: number; modifyTime: number }>>;
  rename(from: string, to: string): Promise<unknown>;
  delete(path: string, notFoundOK?: boolean): Promise<unknown>;
  fastGet(remote: string, local: string): Promise<unknown>;
  exists(path: string): Promise<false | string>;
  end(): Promise<unknown>;
}

const PKG = 'ssh2-sftp-client';

async function loadClient(): Promise<new (name?: string) => SftpClient> {
  try {
    // A variable specifier keeps TypeScript from requiring types for an optional package.
    const mod = (await import(PKG)) as { default: new (name?: string) => SftpClient };
    return mod.default;
  } catch (cause) {
    throw new PatchbayError(
      'config',
      `the ${PKG} package is needed for sftp-drop: npm install ${PKG}`,
      {
        code: 'DRIVER_MISSING',
        cause,
        details: { package: PKG },
      },
    );
  }
}

/**
 * The SHA-256 fingerprint of an SSH host key blob, as `ssh-keygen -lf` prints it.
 *
 * @example
 * ```ts
 * hostKeyFingerprint(keyBlob); // 'SHA256:Xh3...'
 * ```
 */
export function hostKeyFingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Connects to the SFTP server and returns the drop folder on it. Every call
 * goes through the integration's policy pipeline and leaves a call log line.
 *
 * @throws an `auth` error `HOST_KEY_MISMATCH` when the server's key is not the pinned one
 * @example
 * ```ts
 * const drop = await sftpDrop(cfg, ctx);
 * const files = await drop.list();
 * await drop.close();
 * ```
 */
export async function sftpDrop(cfg: SftpDropConfig, ctx: ConnectorContext): Promise<DropFolder> {
  const Client = await loadClient();
  const client = new Client(`patchbay:${ctx.integrationId}`);
  const where = `sftp://${cfg.username}@${cfg.host}:${cfg.port}${cfg.path}`;
  let presented: string | undefined;
  const pinned = cfg.hostKeyFingerprint?.replace(/=+$/, '');

  const call = guardedCall(ctx);

  const [privateKey, passphrase, password] = await Promise.all(
    [cfg.privateKey, cfg.passphrase, cfg.password].map((ref) =>
      ref === undefined ? undefined : ctx.secrets.resolve(ref, ctx.signal),
    ),
  );
  await call('sftp.connect', where, async () => {
    try {
      await client.connect({
        host: cfg.host,
        port: cfg.port,
        username: cfg.username,
        privateKey: privateKey?.reveal(),
        passphrase: passphrase?.reveal(),
        password: password?.reveal(),
        readyTimeout: cfg.connectTimeoutMs,
        retries: 0,
        hostVerifier: (key: Buffer) => {
          presented = hostKeyFingerprint(key);
          return pinned === undefined ? cfg.allowUnpinnedHostKey : presented === pinned;
        },
      });
    } catch (err) {
      if (pinned !== undefined && presented !== undefined && presented !== pinned) {
        // Not retryable: a different key is an attack or a rebuilt server, for a human to decide.
        throw new PatchbayError(
          'auth',
          `${where}: host key ${presented} is not the pinned ${pinned}`,
          {
            code: 'HOST_KEY_MISMATCH',
            retryable: false,
            details: { presented, pinned },
          },
        );
      }
      throw err;
    }
  });
  if (pinned === undefined) {
    ctx.logger.warn(
      { drop: where, hostKey: presented },
      'sftp host key is not pinned (allowUnpinnedHostKey)',
    );
  }

  const remote = (name: string) => posix.join(cfg.path, name);
  return {
    where,
    list: () =>
      call('sftp.list', where, async () =>
        (await client.list(cfg.path)).map((e): DropEntry => ({
          name: e.name,
          size: e.size,
          mtimeMs: e.modifyTime,
          isFile: e.type === '-',
        })),
      ),
    rename: (from, to) =>
      call('sftp.rename', remote(from), async () => {
        try {
          await client.rename(remote(from), remote(to));
          return true;
        } catch (err) {
          // SFTP reports "no such file" in several ways; asking is the reliable check.
          if ((await client.exists(remote(from))) === false) return false;
          throw err;
        }
      }),
    remove: (name) =>
      call('sftp.delete', remote(name), async () => {
        await client.delete(remote(name), true);
      }),
    download: (name, localPath) =>
      call('sftp.get', remote(name), async () => {
        await client.fastGet(remote(name), localPath);
        await fsyncPath(localPath, 'r+');
      }),
    async check() {
      try {
        await client.list(cfg.path);
        return {
          ok: true,
          detail: `${where} is listable; host key ${presented ?? '?'}${pinned ? ' (pinned)' : ' (NOT pinned)'}`,
        };
      } catch (err) {
        return { ok: false, detail: `${where}: ${(err as Error).message}` };
      }
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
}
