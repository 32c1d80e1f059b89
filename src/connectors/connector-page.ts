/**
 * Generates a connector's documentation page from its spec, so the page can
 * never disagree with the config the connector actually accepts.
 */
import type { z } from 'zod';
import { describeConnector, type ConnectorSpec } from '../core/connector.js';

type JsonSchema = Record<string, unknown>;

function typeOf(schema: JsonSchema): string {
  if (Array.isArray(schema['enum']))
    return (schema['enum'] as unknown[]).map((v) => JSON.stringify(v)).join(' \\| ');
  if (typeof schema['type'] === 'string') return schema['type'];
  for (const key of ['anyOf', 'oneOf']) {
    const options = schema[key];
    if (Array.isArray(options)) return options.map((o) => typeOf(o as JsonSchema)).join(' \\| ');
  }
  return 'any';
}

function bounds(schema: JsonSchema): string {
  const parts: string[] = [];
  if (typeof schema['minimum'] === 'number' && schema['minimum'] !== Number.MIN_SAFE_INTEGER)
    parts.push(`≥ ${schema['minimum']}`);
  if (typeof schema['exclusiveMinimum'] === 'number') parts.push(`> ${schema['exclusiveMinimum']}`);
  if (typeof schema['maximum'] === 'number' && schema['maximum'] !== Number.MAX_SAFE_INTEGER) {
    parts.push(`≤ ${schema['maximum']}`);
  }
  return parts.join(', ');
}

function rows(schema: JsonSchema, prefix = ''): string[] {
  const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema['required'] as string[] | undefined) ?? []);
  const out: string[] = [];
  for (const [name, field] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${name}` : name;
    const flags = [
      required.has(name) && field['default'] === undefined ? 'required' : '',
      field['secret'] === true ? 'secret (reference only)' : '',
      field['advanced'] === true ? 'advanced' : '',
    ].filter(Boolean);
    const def = field['default'] === undefined ? '' : `\`${JSON.stringify(field['default'])}\``;
    const examples = Array.isArray(field['examples'])
      ? (field['examples'] as unknown[]).map((e) => `\`${JSON.stringify(e)}\``).join(', ')
      : '';
    const description = [field['description'] ?? '', bounds(field)].filter(Boolean).join('; ');
    out.push(
      `| \`${path}\` | ${typeOf(field)} | ${def} | ${flags.join(', ')} | ${description} | ${examples} |`,
    );
    if (field['type'] === 'object') out.push(...rows(field, path));
  }
  return out;
}

/**
 * Renders the Markdown page of a connector.
 *
 * @example
 * ```ts
 * writeFileSync('docs/connectors/simulated-orders.md', connectorPage(simulatedOrders.spec));
 * ```
 */
export function connectorPage(spec: ConnectorSpec<z.ZodType, unknown>, notes = ''): string {
  const d = describeConnector(spec);
  const c = d.capabilities;
  return [
    `# ${d.title} (\`${d.kind}\`)`,
    '',
    '<!-- Generated from the connector spec by scripts/connector-docs.ts. Do not edit by hand. -->',
    '',
    d.description,
    '',
    `Direction: **${d.direction}**.`,
    '',
    '## Configuration',
    '',
    '| field | type | default | flags | description | examples |',
    '|---|---|---|---|---|---|',
    ...rows(d.configSchema),
    '',
    '## Capabilities',
    '',
    '| capability | value |',
    '|---|---|',
    `| acknowledgement | ${c.ack} |`,
    `| checkpoint | ${c.checkpoint} |`,
    `| replay | ${c.replay} |`,
    `| idempotent writes | ${c.idempotentWrites ? 'yes' : 'no'} |`,
    `| connection test | ${c.connectionTest ? 'yes' : 'no'} |`,
    '',
    ...(notes ? ['## Notes', '', notes.trim(), ''] : []),
  ].join('\n');
}
