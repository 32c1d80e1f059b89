/**
 * Customer notifications by email through the customer's SMTP gateway.
 *
 * SMTP has no idempotency header, so the sink asks Patchbay's idempotency
 * ledger "did I already send this?" before each message (the key is the
 * notification's outbox id): a retry after a failed batch, or a replay,
 * sends nothing twice. The Message-ID is derived from the same key, so even
 * an ambiguous failure (sent, but the answer lost) resends a message the
 * mail client de-duplicates.
 */
import type { FunctionSink } from 'patchbay';
import { IdempotencyLedger } from 'patchbay/idempotency';
import nodemailer from 'nodemailer';

export interface Notification {
  outbox_id: number;
  load_no: string;
  to: string;
  delivered_at: string;
}

export function customerMail(options: {
  host: string;
  port: number;
  from: string;
  domain: string;
}): FunctionSink {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: false,
    ignoreTLS: options.host === '127.0.0.1', // the loopback gateway speaks plain SMTP
    connectionTimeout: 5_000,
    greetingTimeout: 5_000,
    socketTimeout: 5_000,
  });
  return {
    name: 'customer-mail',
    idempotent: true,
    async write(records, ctx) {
      const ledger = new IdempotencyLedger(ctx.store.idempotency, {
        scope: `${ctx.integrationId}:send`,
        lease: '1m',
        retention: '30d',
      });
      for (const record of records) {
        const n = record.data as Notification;
        const key = record.idempotencyKey ?? `outbox-${n.outbox_id}`;
        await ledger.run(key, async () => {
          const sent = await transport.sendMail({
            from: options.from,
            to: n.to,
            subject: `Your load ${n.load_no} has been delivered`,
            text: `Load ${n.load_no} was delivered at ${n.delivered_at}.\n`,
            messageId: `<${key}@${options.domain}>`,
          });
          return sent.messageId;
        });
      }
    },
  };
}
