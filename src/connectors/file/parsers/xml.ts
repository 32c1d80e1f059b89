/**
 * XML, streamed with saxes: every element at `recordPath` becomes a record.
 * Child elements become fields (repeated ones arrays, nested ones objects),
 * attributes become `@name` fields. XML is not recoverable record by record:
 * a well-formedness error fails the whole file.
 */
import { SaxesParser } from 'saxes';
import { clip, type FileParser, type ParsedEntry } from './types.js';

type Node = Record<string, unknown>;

interface Frame {
  name: string;
  node: Node;
  text: string;
}

function add(parent: Node, name: string, value: unknown): void {
  const prev = parent[name];
  if (prev === undefined) parent[name] = value;
  else if (Array.isArray(prev)) prev.push(value);
  else parent[name] = [prev, value];
}

/** An element with neither attributes nor children is its text; otherwise an object (text in `#text`). */
function settle(frame: Frame): unknown {
  const text = frame.text.trim();
  if (Object.keys(frame.node).length === 0) return text;
  if (text) frame.node['#text'] = text;
  return frame.node;
}

/**
 * Builds an XML parser selecting records by element path, e.g.
 * `MATMAS/IDOC/E1MARAM` (names without namespace prefixes handling: as written).
 * A record longer than `maxRecordBytes` (its text content) is rejected.
 *
 * @example
 * ```ts
 * const parse = xmlParser({ recordPath: 'Orders/Order', maxRecordBytes: 1 << 20 });
 * ```
 */
export function xmlParser(opts: { recordPath: string; maxRecordBytes: number }): FileParser {
  const path = opts.recordPath.split('/').filter(Boolean);
  return async function* (text): AsyncGenerator<ParsedEntry> {
    const parser = new SaxesParser({ position: true });
    const out: ParsedEntry[] = [];
    const names: string[] = [];
    let stack: Frame[] = [];
    let recordLine = 0;
    let size = 0;
    let failure: Error | undefined;
    const inRecord = () => stack.length > 0;
    const atPath = () => names.length === path.length && names.every((n, i) => n === path[i]);

    parser.on('error', (err) => (failure ??= err));
    parser.on('opentag', (tag) => {
      names.push(tag.name);
      if (!inRecord() && !atPath()) return;
      if (!inRecord()) {
        recordLine = parser.line;
        size = 0;
      }
      const node: Node = {};
      // Without xmlns processing, attribute values are plain strings.
      for (const [k, v] of Object.entries(tag.attributes)) node[`@${k}`] = String(v);
      stack.push({ name: tag.name, node, text: '' });
    });
    parser.on('text', (t) => {
      if (!inRecord()) return;
      size += t.length;
      if (size <= opts.maxRecordBytes) stack[stack.length - 1]!.text += t;
    });
    parser.on('cdata', (t) => {
      if (!inRecord()) return;
      size += t.length;
      if (size <= opts.maxRecordBytes) stack[stack.length - 1]!.text += t;
    });
    parser.on('closetag', () => {
      names.pop();
      const frame = stack.pop();
      if (!frame) return;
      const value = settle(frame);
      const parent = stack[stack.length - 1];
      if (parent) {
        add(parent.node, frame.name, value);
        return;
      }
      if (size > opts.maxRecordBytes) {
        out.push({
          line: recordLine,
          error: {
            rule: 'record:size',
            message: `record longer than ${opts.maxRecordBytes} characters`,
          },
          raw: clip(frame.name),
        });
      } else {
        out.push({
          line: recordLine,
          record: typeof value === 'object' ? (value as Node) : { '#text': value },
        });
      }
      stack = [];
    });

    for await (const chunk of text) {
      parser.write(chunk);
      if (failure) throw failure;
      yield* out.splice(0);
    }
    parser.close();
    if (failure) throw failure;
    yield* out.splice(0);
  };
}
