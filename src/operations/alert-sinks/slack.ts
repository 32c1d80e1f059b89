/**
 * A Slack-compatible incoming webhook. The webhook URL is itself a credential
 * (anyone holding it can post), so it is taken by secret reference. Tested
 * against a local server, not against Slack.
 */
import { resolveSecret } from '../../core/secrets/index.js';
import { sendJson } from './http.js';
import { alertText, alertTitle, type AlertSink } from './types.js';

/** Options of {@link slackSink}. */
export interface SlackSinkOptions {
  name: string;
  /** Secret reference holding the incoming-webhook URL, e.g. `env:SLACK_ALERTS_URL`. */
  url: string;
}

/**
 * An alert sink posting `{ text }` to an incoming webhook.
 *
 * @example
 * ```ts
 * const chat = slackSink({ name: 'chat', url: 'env:SLACK_ALERTS_URL' });
 * ```
 */
export function slackSink(options: SlackSinkOptions): AlertSink {
  return {
    name: options.name,
    kind: 'slack',
    secretRefs: [options.url],
    async deliver(n, ctx) {
      const url = (await resolveSecret(options.url, ctx.signal)).reveal();
      const icon = n.event === 'resolve' ? ':white_check_mark:' : ':rotating_light:';
      const text = `${icon} *${alertTitle(n)}*\n\`\`\`${alertText(n)}\`\`\``;
      await sendJson('POST', url, { text }, {}, ctx.signal, 'POST slack webhook');
    },
  };
}
