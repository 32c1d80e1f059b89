import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('deadline timers', () => {
  it('a call that nothing else drives still times out instead of the process exiting', () => {
    // The shared deadline timer is unreferenced; `beforeExit` re-references it
    // while deadlines are pending, so this hanging call is cut off as with a per-call timer.
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { TimeoutPolicy } from './src/policies/timeout.ts';
         const policy = new TimeoutPolicy('200ms');
         policy.execute(() => new Promise(() => {})).then(
           () => console.log('resolved'),
           (e) => console.log(e.code),
         );`,
      ],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('ATTEMPT_TIMEOUT');
    expect(child.status).toBe(0);
  });

  it('a finished call does not keep the process alive until its deadline', () => {
    const child = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { createPipeline } from './src/policies/index.ts';
         const p = createPipeline({ timeout: '1h', budget: '1h' }, { name: 'x' });
         console.log(await p.execute(() => 'done'));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.stdout.trim()).toBe('done');
    expect(child.status).toBe(0);
    expect(child.signal).toBeNull(); // exited by itself, not killed by the spawn timeout
  });
});
