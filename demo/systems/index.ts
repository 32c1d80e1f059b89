/**
 * The logistics customer's systems, simulated on loopback. Nothing here is
 * Patchbay: these stand in for the vendor and customer systems an
 * engagement integrates with, and the demo project talks to them only over
 * their own protocols (HTTP, SQLite file, SMTP).
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startDispatch, type Dispatch, type DispatchStats } from './dispatch.js';
import { startDocumentShare, type DocumentShare, type Hub } from './document-share.js';
import { startErpDrop, type ErpDrop, type ErpFile } from './erp-drop.js';
import { startGpsApi, type GpsApi, type GpsApiStats } from './gps-api.js';
import {
  startHrReplica,
  type HrDbKind,
  type HrReplica,
  type HrReplicaStats,
} from './hr-replica.js';
import { startSmtpSink, type Mail, type SmtpSink } from './smtp-sink.js';
import { startTicketing, type Ticketing, type TicketingStats } from './ticketing.js';
import { createWarehouse } from './warehouse.js';

export interface SystemsReport {
  erp: ErpFile[];
  gps: GpsApiStats;
  hr: HrReplicaStats;
  ticketing: TicketingStats;
  mail: Mail[];
  dispatch: DispatchStats;
  hubs: Hub[];
}

export interface Systems {
  erp: ErpDrop;
  gps: GpsApi;
  hr: HrReplica;
  ticketing: Ticketing;
  smtp: SmtpSink;
  dispatch: Dispatch;
  share: DocumentShare;
  /** Where the demo project finds them (it reads these variables, as a deployment would). */
  env: Record<string, string>;
  report(): SystemsReport;
  close(): Promise<void>;
}

export interface SystemsOptions {
  /** Where the dispatch system posts its webhooks (the Patchbay runtime's route). */
  dispatchUrl: string;
  /** Where the HR replica lives: an embedded SQLite file (default) or the machine's server. */
  hrDb?: HrDbKind;
}

export async function startSystems(stateDir: string, options: SystemsOptions): Promise<Systems> {
  // Fresh credentials per run: the project holds only references (env:...).
  const gpsToken = randomBytes(16).toString('hex');
  const ticketingPassword = randomBytes(12).toString('hex');
  const warehouse = join(stateDir, 'warehouse.db');
  createWarehouse(warehouse);
  const erp = startErpDrop(stateDir);
  const hr = await startHrReplica({
    kind: options.hrDb ?? 'sqlite',
    file: join(stateDir, 'hr-replica.db'),
  });
  const gps = await startGpsApi({ token: gpsToken });
  const ticketing = await startTicketing({ username: 'patchbay', password: ticketingPassword });
  const smtp = await startSmtpSink();
  const share = startDocumentShare(stateDir);
  const dispatch = startDispatch({ url: options.dispatchUrl });
  return {
    erp,
    gps,
    hr,
    ticketing,
    smtp,
    dispatch,
    share,
    env: {
      DEMO_STATE_DIR: stateDir,
      DEMO_ERP_DROP: erp.folder,
      DEMO_ERP_ARCHIVE: erp.archive,
      DEMO_GPS_URL: gps.url,
      DEMO_GPS_TOKEN: gpsToken,
      ...hr.env,
      DEMO_WAREHOUSE: warehouse,
      DEMO_TICKETING_URL: ticketing.url,
      DEMO_TICKETING_PASSWORD: ticketingPassword,
      DEMO_SMTP_PORT: String(smtp.port),
      DEMO_DISPATCH_SECRET: dispatch.secret,
      DEMO_HUBS_DROP: share.folder,
      DEMO_HUBS_ARCHIVE: share.archive,
    },
    report: () => ({
      erp: erp.files(),
      gps: gps.stats(),
      hr: hr.stats(),
      ticketing: ticketing.stats(),
      mail: smtp.messages(),
      dispatch: dispatch.stats(),
      hubs: share.hubs(),
    }),
    async close() {
      await Promise.all([
        gps.close(),
        ticketing.close(),
        smtp.close(),
        dispatch.close(),
        hr.close(),
      ]);
      erp.close();
    },
  };
}
