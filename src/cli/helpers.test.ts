import { describe, expect, it } from 'vitest';
import { PatchbayError } from '../core/errors.js';
import { testIo } from './__fixtures__/harness.js';
import { parseReplayRange } from './commands/replay-range.js';
import { CliError, ExitCode, errorText, exitCodeFor } from './exit-codes.js';
import { ago, table } from './output.js';
import { createProgress } from './progress.js';

describe('the progress line', () => {
  it('draws a bar on stderr when stderr is a terminal, and clears it', () => {
    const io = testIo({ tty: true });
    const progress = createProgress(io, 'replay orders', 10);
    progress.update(5, 'written 5');
    progress.update(10, 'written 10');
    progress.done();
    expect(io.err()).toContain('replay orders [############------------] 5/10 written 5');
    expect(io.err()).toContain('10/10 written 10');
    expect(io.err().endsWith('\r\x1b[2K')).toBe(true);
    expect(io.out()).toBe('');
  });

  it('writes nothing when stderr is not a terminal', () => {
    const io = testIo({ tty: false });
    const progress = createProgress(io, 'replay orders');
    progress.update(5);
    progress.done();
    expect(io.err()).toBe('');
  });
});

describe('replay ranges', () => {
  const now = Date.parse('2026-11-20T12:00:00Z');

  it('takes offsets as whole numbers and knows the window size', () => {
    expect(parseReplayRange('offset', '100', '250', null, now)).toEqual({
      range: { from: '100', to: '250' },
      total: 150,
    });
    expect(() => parseReplayRange('offset', 'abc', undefined, null, now)).toThrow(
      /not a offset|whole number/,
    );
  });

  it('turns ages into dates for business-date and time-range sources', () => {
    expect(parseReplayRange('business-date', '3d', undefined, null, now).range.from).toBe(
      '2026-11-17',
    );
    expect(parseReplayRange('time-range', '1h', undefined, null, now).range.from).toBe(
      '2026-11-20T11:00:00.000Z',
    );
  });

  it('passes opaque checkpoints through when the live checkpoint is not a number', () => {
    expect(
      parseReplayRange('checkpoint', 'cursor-abc', undefined, 'cursor-xyz', now).range,
    ).toEqual({
      from: 'cursor-abc',
      to: undefined,
    });
  });

  it('rejects empty and reversed windows as usage errors', () => {
    for (const bad of [
      () => parseReplayRange('checkpoint', ' ', undefined, null, now),
      () => parseReplayRange('offset', '5', '1', null, now),
    ]) {
      expect(bad).toThrow(CliError);
      try {
        bad();
      } catch (err) {
        expect(exitCodeFor(err)).toBe(ExitCode.Usage);
      }
    }
  });
});

describe('errors and output', () => {
  it('maps errors to exit codes', () => {
    expect(exitCodeFor(new PatchbayError('config', 'x'))).toBe(2);
    expect(exitCodeFor(new PatchbayError('overloaded', 'x', { code: 'STORE_UNAVAILABLE' }))).toBe(
      3,
    );
    expect(exitCodeFor(new PatchbayError('cancelled', 'x'))).toBe(130);
    expect(exitCodeFor(new PatchbayError('http_5xx', 'x'))).toBe(1);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
  });

  it('prints one paragraph, with a hint, and the stack only when verbose', () => {
    const err = new CliError('no integration "x"', ExitCode.Usage, {
      hint: 'known integrations: a, b',
    });
    expect(errorText(err, false)).toBe(
      'patchbay: no integration "x"\nhint: known integrations: a, b\n',
    );
    expect(errorText(new Error('boom'), false)).toContain('run again with --verbose');
    expect(errorText(new Error('boom'), true)).toMatch(/\n\s+at /);
  });

  it('formats ages and tables', () => {
    expect(ago(null, 0)).toBe('never');
    expect(ago(0, 90_000)).toBe('1m30s ago');
    expect(
      table([
        ['ID', 'STATUS'],
        ['orders', 'ok'],
      ]),
    ).toEqual(['ID      STATUS', 'orders  ok']);
  });
});
