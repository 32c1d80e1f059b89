/**
 * Email through the customer's SMTP gateway (nodemailer). TLS and auth come
 * from options, credentials by secret reference, resolved per delivery so a
 * rotation needs no restart. SMTP 4xx answers and dropped connections are
 * retried; 5xx answers are permanent (the gateway refused for good).
 */
import nodemailer from 'nodemailer';
import { classify } from '../../core/classify.js';
import { PatchbayError } from '../../core/errors.js';
import { resolveSecret } from '../../core/secrets/index.js';
import { alertText, alertTitle, type AlertSink } from './types.js';

/**
 * Options of {@link emailSink}. Defaults in brackets.
 *
 * @example
 * ```ts
 * const options: EmailSinkOptions = {
 *   name: 'mail',
 *   host: 'smtp.acme.example',
 *   port: 587,
 *   username: 'patchbay',
 *   password: 'env:SMTP_PASSWORD',
 *   from: 'patchbay@acme.example',
 *   to: ['oncall@acme.example', 'integrations@acme.example'],
 *   timeoutMs: 10_000,
 * };
 * const mail = emailSink(options);
 * ```
 */
export interface EmailSinkOptions {
  name: string;
  host: string;
  /** [587, or 465 with `secure`]. */
  port?: number;
  /** Implicit TLS (port 465) [false]. */
  secure?: boolean;
  /** Refuse to send unless STARTTLS succeeds [true unless the host is loopback]. */
  requireTLS?: boolean;
  /** User name (plain) and password by secret reference. */
  username?: string;
  password?: string;
  from: string;
  to: readonly string[];
  /** Connection/greeting/socket timeout [15 s]. */
  timeoutMs?: number;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/**
 * An alert sink sending one email per notification.
 *
 * @example
 * ```ts
 * const mail = emailSink({ name: 'mail', host: 'smtp.acme.example', username: 'patchbay', password: 'env:SMTP_PASSWORD', from: 'patchbay@acme.example', to: ['oncall@acme.example'] });
 * ```
 */
export function emailSink(options: EmailSinkOptions): AlertSink {
  const timeout = options.timeoutMs ?? 15_000;
  return {
    name: options.name,
    kind: 'email',
    secretRefs: options.password ? [options.password] : [],
    async deliver(n, ctx) {
      const auth =
        options.username && options.password
          ? {
              user: options.username,
              pass: (await resolveSecret(options.password, ctx.signal)).reveal(),
            }
          : undefined;
      const transport = nodemailer.createTransport({
        host: options.host,
        port: options.port ?? (options.secure ? 465 : 587),
        secure: options.secure ?? false,
        requireTLS: options.requireTLS ?? !isLoopback(options.host),
        ...(auth ? { auth } : {}),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
      });
      try {
        await transport.sendMail({
          from: options.from,
          to: [...options.to],
          subject: alertTitle(n),
          text: alertText(n),
          // The same notification retried keeps its id, so mail clients can thread or drop repeats.
          messageId: `<${n.alert.id.replace(/[^A-Za-z0-9.-]/g, '-')}.${n.event}.${n.alert.evaluations}@patchbay>`,
          headers: { 'X-Patchbay-Alert': n.alert.id, 'X-Patchbay-Event': n.event },
        });
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        if (typeof code === 'number') {
          throw new PatchbayError(
            code >= 500 ? 'http_4xx' : 'connection',
            `SMTP answered ${code}`,
            {
              code: `SMTP_${code}`,
              retryable: code < 500,
              cause: err,
            },
          );
        }
        throw classify(err);
      } finally {
        transport.close();
      }
    },
  };
}
