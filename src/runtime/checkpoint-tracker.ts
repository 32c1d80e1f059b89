/**
 * Enforces the checkpoint rule for every connector: a position is saved only
 * after every item before it has been acknowledged downstream (written or
 * dead-lettered). Batches may finish out of order; their checkpoints are
 * released strictly in read order.
 */
import type { SourceBatch } from '../core/connector.js';

type BatchCheckpoint = NonNullable<SourceBatch['checkpoint']>;

interface Pending {
  seq: number;
  checkpoint: BatchCheckpoint | undefined;
  done: boolean;
}

/**
 * Tracks batches in read order and hands out the checkpoints that became safe.
 *
 * @example
 * ```ts
 * const tracker = new CheckpointTracker(async (cp) => store.checkpoints.set(id, cp.stream ?? 'default', cp));
 * const a = tracker.open(batchA.checkpoint);
 * const b = tracker.open(batchB.checkpoint);
 * await tracker.complete(b); // nothing saved: batch A is still in flight
 * await tracker.complete(a); // saves B's checkpoint (the newest safe one)
 * ```
 */
export class CheckpointTracker {
  #nextSeq = 0;
  readonly #pending: Pending[] = [];
  #saving: Promise<void> = Promise.resolve();
  readonly #save: (checkpoint: BatchCheckpoint) => Promise<void>;

  constructor(save: (checkpoint: BatchCheckpoint) => Promise<void>) {
    this.#save = save;
  }

  /** Registers a batch as read; returns its ticket. */
  open(checkpoint: BatchCheckpoint | undefined): number {
    const seq = this.#nextSeq++;
    this.#pending.push({ seq, checkpoint, done: false });
    return seq;
  }

  /** Number of batches read but not yet complete. */
  get inFlight(): number {
    return this.#pending.length;
  }

  /**
   * Marks a batch complete and saves the newest checkpoint whose batch and
   * predecessors are all complete. Resolves when that save is durable.
   */
  complete(seq: number): Promise<void> {
    const entry = this.#pending.find((p) => p.seq === seq);
    if (!entry) throw new Error(`checkpoint ticket ${seq} is unknown or already complete`);
    entry.done = true;
    // The newest releasable checkpoint per stream: a source may advance several streams.
    const releasable = new Map<string, BatchCheckpoint>();
    while (this.#pending[0]?.done) {
      const head = this.#pending.shift() as Pending;
      if (head.checkpoint) releasable.set(head.checkpoint.stream ?? 'default', head.checkpoint);
    }
    for (const checkpoint of releasable.values()) {
      // Saves are chained so an older checkpoint can never overwrite a newer one.
      this.#saving = this.#saving.then(() => this.#save(checkpoint));
    }
    return this.#saving;
  }

  /** Resolves when every save started so far is durable. */
  settled(): Promise<void> {
    return this.#saving;
  }
}
