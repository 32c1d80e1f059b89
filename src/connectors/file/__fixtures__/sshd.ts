/**
 * A real OpenSSH sshd on a loopback port for the SFTP tests (PEERS.md):
 * fresh host and client keys, `internal-sftp` only, key auth only. Fails
 * loudly, saying how to install it, when sshd is missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

const SSHD = '/usr/sbin/sshd';

/**
 * A running sshd and the files a client needs.
 *
 * @example
 * ```ts
 * const sshd = await startSshd(); // sshd.port, sshd.clientKeyPath, sshd.fingerprint
 * await sshd.stop();
 * ```
 */
export interface Sshd {
  port: number;
  user: string;
  /** The folder SFTP clients land in (and the drop the tests use). */
  root: string;
  clientKeyPath: string;
  /** The host key's `SHA256:…` fingerprint, from ssh-keygen. */
  fingerprint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, '127.0.0.1');
      sock.once('connect', () => (sock.destroy(), resolve(true)));
      sock.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `sshd did not start on 127.0.0.1:${port}: ${existsSync(log) ? readFileSync(log, 'utf8') : ''}`,
  );
}

/**
 * Starts sshd with its own keys and config in a temporary folder.
 *
 * @throws when `/usr/sbin/sshd` is not installed, naming the package to install
 * @example
 * ```ts
 * const sshd = await startSshd();
 * ```
 */
export async function startSshd(): Promise<Sshd> {
  if (!existsSync(SSHD)) {
    throw new Error(
      'OpenSSH sshd is not installed: the SFTP tests need it (PEERS.md). Install it with ' +
        '`apt-get install -y --no-install-recommends openssh-server` (or run .ci/start-peers.sh as root).',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'patchbay-sshd-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  mkdirSync('/run/sshd', { recursive: true });
  const keygen = (file: string) =>
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', file]);
  keygen(join(dir, 'host_key'));
  keygen(join(dir, 'client_key'));
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'client_key.pub')));
  const fingerprint = execFileSync('ssh-keygen', ['-lf', join(dir, 'host_key.pub')], {
    encoding: 'utf8',
  }).split(' ')[1]!;
  const port = await freePort();
  const log = join(dir, 'sshd.log');
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'Subsystem sftp internal-sftp',
      `ForceCommand internal-sftp -d ${root}`,
      '',
    ].join('\n'),
  );
  // -D: stay in the foreground, so the test owns the process and stops it by its pid.
  const child = spawn(SSHD, ['-D', '-f', join(dir, 'sshd_config'), '-E', log], { stdio: 'ignore' });
  await waitForPort(port, child, log);
  return {
    port,
    user: userInfo().username,
    root,
    clientKeyPath: join(dir, 'client_key'),
    fingerprint,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
