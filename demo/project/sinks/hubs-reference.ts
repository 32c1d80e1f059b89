/**
 * Where the hubs list goes: the warehouse's `hubs` reference table, and the
 * crosswalk from ERP plant codes to canonical hub ids in the Patchbay store,
 * which the ERP mapping looks up (`lookup` with `crosswalk: erp-plant->hub`).
 *
 * A function sink: the project's own code, given the runtime's context (the
 * store, the logger) and run inside the integration's policy pipeline. Both
 * writes are upserts by hub, so a replay or a re-sent list changes nothing.
 */
import type { FunctionSink } from 'patchbay';
import Database from 'better-sqlite3';

export interface HubRow {
  hub_id: string;
  name: string;
  city: string;
  erp_plant: string;
}

export function hubsReference(options: { warehouse: string; crosswalk: string }): FunctionSink {
  return {
    name: 'hubs-reference',
    idempotent: true,
    async write(records, ctx) {
      const hubs = records.map((r) => r.data as HubRow);
      const db = new Database(options.warehouse, { timeout: 5_000 });
      try {
        const upsert = db.prepare(
          `INSERT INTO hubs (hub_id, name, city, erp_plant) VALUES (@hub_id, @name, @city, @erp_plant)
           ON CONFLICT (hub_id) DO UPDATE SET name = excluded.name, city = excluded.city,
             erp_plant = excluded.erp_plant`,
        );
        db.transaction(() => hubs.forEach((h) => upsert.run(h)))();
      } finally {
        db.close();
      }
      for (const h of hubs) await ctx.store.crosswalk.put(options.crosswalk, h.erp_plant, h.hub_id);
      ctx.logger.info({ hubs: hubs.map((h) => h.hub_id) }, 'hubs list loaded');
    },
  };
}
