import { describe, expect, it, vi } from 'vitest';
import { EventEmitter, disposeAll } from './events.js';

describe('EventEmitter', () => {
  it('delivers to subscribers until disposed, and dispose is idempotent', () => {
    const e = new EventEmitter<number>();
    const seen: number[] = [];
    expect(e.hasListeners).toBe(false);
    const sub = e.event((n) => seen.push(n));
    expect(e.hasListeners).toBe(true);
    e.emit(1);
    sub.dispose();
    sub.dispose();
    e.emit(2);
    expect(seen).toEqual([1]);
    expect(e.hasListeners).toBe(false);
  });

  it('a listener that disposes itself during emit does not disturb the others', () => {
    const e = new EventEmitter<number>();
    const seen: string[] = [];
    const first = e.event(() => {
      seen.push('a');
      first.dispose();
    });
    e.event(() => seen.push('b'));
    e.emit(1);
    e.emit(2);
    expect(seen).toEqual(['a', 'b', 'b']);
  });

  it('a throwing listener becomes a process warning, not a failed call', () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const e = new EventEmitter<number>();
    const seen: number[] = [];
    e.event(() => {
      throw new Error('metrics down');
    });
    e.event((n) => seen.push(n));
    expect(() => e.emit(7)).not.toThrow();
    expect(seen).toEqual([7]);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('metrics down'), {
      code: 'PATCHBAY_LISTENER_ERROR',
    });
    warn.mockRestore();
  });

  it('disposeAll disposes every part', () => {
    const e = new EventEmitter<void>();
    const all = disposeAll([e.event(() => {}), e.event(() => {})]);
    all.dispose();
    expect(e.hasListeners).toBe(false);
  });
});
