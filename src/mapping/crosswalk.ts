/**
 * Crosswalks from code: (system, entity, external id) ↔ canonical id, over
 * the store's crosswalk table (namespace `<system>:<entity>`), with the same
 * miss policies a mapping document's `lookup` has: `create` mints a canonical
 * id (a UUID, stored once even when two processes race), `reject` and `park`
 * fail the record (park: it waits in the reject ledger until the entry
 * exists, then `patchbay rejects retry` re-drives it).
 */
import { randomUUID } from 'node:crypto';
import type { CrosswalkRepo } from '../store/types.js';
import { FieldFailure } from './transforms/types.js';

/**
 * What to do when an external id has no canonical id yet.
 *
 * @example
 * ```ts
 * const policy: CrosswalkMiss = 'create';
 * ```
 */
export type CrosswalkMiss = 'create' | 'reject' | 'park';

const PART = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/**
 * The store namespace of one system's ids of one entity.
 *
 * @example
 * ```ts
 * crosswalkNamespace('sap', 'customer'); // 'sap:customer'
 * ```
 */
export function crosswalkNamespace(system: string, entity: string): string {
  for (const [name, v] of [
    ['system', system],
    ['entity', entity],
  ] as const) {
    if (!PART.test(v)) throw new TypeError(`crosswalk ${name} "${v}": letters, digits, _ . -`);
  }
  return `${system}:${entity}`;
}

/**
 * The crosswalk as code uses it.
 *
 * @example
 * ```ts
 * import { Crosswalk } from 'patchbay/mapping';
 * const xw = new Crosswalk(ctx.store.crosswalk);
 * const id = await xw.canonicalId('sap', 'customer', '0000100231', { onMiss: 'create' });
 * const [shopId] = await xw.externalIds('shop', 'customer', id);
 * ```
 */
export class Crosswalk {
  readonly #repo: CrosswalkRepo;
  readonly #mint: () => string;

  /** `mint` makes new canonical ids [randomUUID]. */
  constructor(repo: CrosswalkRepo, mint: () => string = randomUUID) {
    this.#repo = repo;
    this.#mint = mint;
  }

  /**
   * The canonical id of an external id. On a miss: `create` mints and
   * stores one (the first writer wins), `reject`/`park` throw a
   * `FieldFailure` (a mapping step turns it into a reject) [reject].
   */
  async canonicalId(
    system: string,
    entity: string,
    externalId: string,
    options: { onMiss?: CrosswalkMiss } = {},
  ): Promise<string> {
    const ns = crosswalkNamespace(system, entity);
    const found = await this.#repo.lookup(ns, externalId);
    if (found !== undefined) return found;
    const onMiss = options.onMiss ?? 'reject';
    if (onMiss === 'create') return this.#repo.putIfAbsent(ns, externalId, this.#mint());
    const parked = onMiss === 'park' ? ' (parked until the crosswalk has it)' : '';
    throw new FieldFailure(
      'lookup',
      `${system} ${entity} ${externalId} is not in the crosswalk${parked}`,
    );
  }

  /** Links an external id to a canonical id (overwrites an earlier link). */
  link(system: string, entity: string, externalId: string, canonicalId: string): Promise<void> {
    return this.#repo.put(crosswalkNamespace(system, entity), externalId, canonicalId);
  }

  /** The external ids a canonical id has in `system`. */
  externalIds(system: string, entity: string, canonicalId: string): Promise<string[]> {
    return this.#repo.reverse(crosswalkNamespace(system, entity), canonicalId);
  }
}
