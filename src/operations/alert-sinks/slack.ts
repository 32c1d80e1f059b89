/**
 * A Slack-compatible incoming webhook. The webhook URL is itself a credential
 * (anyone holding it can post), so it is taken by secret reference.
 *
 * Not tested against a real server: the tests post to a local HTTP server
 * (webhook.test.ts), not to Slack.
 */
import { rememberSecretValue, resolveSecret } from '../../core/secrets/index.js';
import { sendJson } from './http.js';
import { alertText, alertTitle, type AlertSink } from './types.js';

/**
 * Options of {@link slackSink}.
 *
 * @example
 * ```ts
 * const options: SlackSinkOptions = { name: 'chat', url: 'env:SLACK_ALERTS_URL' };
 * const chat = slackSink(options);
 * ```
 */
export interface SlackSinkOptions {
  name: string;
  /** Secret reference holding the incoming-webhook URL, e.g. `env:SLACK_ALERTS_URL`. */
  url: string;
}

/**
 * An alert sink posting `{ text }` to an incoming webhook. Not tested against
 * a real server (only against a local one).
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
      rememberUrlParts(url);
      const icon = n.event === 'resolve' ? ':white_check_mark:' : ':rotating_light:';
      const text = `${icon} *${alertTitle(n)}*\n\`\`\`${alertText(n)}\`\`\``;
      await sendJson('POST', url, { text }, {}, ctx.signal, 'POST slack webhook');
    },
  };
}

/** The token is the URL's path, and error pages quote paths: scrub the path alone too. */
function rememberUrlParts(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // fetch will fail with a message that does not quote it
  }
  // A short path ("/hook") holds no token and would scrub ordinary log text.
  if (parsed.pathname.length >= 8) rememberSecretValue(parsed.pathname);
  if (parsed.search) rememberSecretValue(`${parsed.pathname}${parsed.search}`);
}
