import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  csvParser,
  decodedText,
  fixedWidthParser,
  jsonLinesParser,
  jsonArrayParser,
  xmlParser,
  type ParsedEntry,
} from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'patchbay-parse-'));

async function collect(
  parse: (t: AsyncIterable<string>) => AsyncIterable<ParsedEntry>,
  text: AsyncIterable<string>,
) {
  const out: ParsedEntry[] = [];
  for await (const e of parse(text)) out.push(e);
  return out;
}
/** Feeds text in tiny chunks so every state boundary falls between chunks somewhere. */
async function* chunks(s: string, size = 3) {
  for (let i = 0; i < s.length; i += size) yield s.slice(i, i + size);
}
const csv = (o: Partial<Parameters<typeof csvParser>[0]> = {}) =>
  csvParser({
    delimiter: ';',
    quote: '"',
    header: true,
    maxRecordBytes: 200,
    relaxColumnCount: false,
    ...o,
  });

describe('CSV parser (nasty corpus)', () => {
  it('handles BOM, CRLF, quoted newlines and delimiters, escaped quotes, trailing delimiters and SAP values', async () => {
    const file = join(dir, 'sap.csv');
    writeFileSync(
      file,
      '\uFEFFMATNR;Text;Datum;Menge;\r\n' +
        '000000000000004711;"Schraube; M6\r\nverzinkt";17.11.2026;1.234,56-;\r\n' +
        '4712;"Sagt ""Hallo""";20261118;0,5;\r\n\r\n',
    );
    const entries = await collect(csv(), decodedText(file, 'utf8'));
    expect(entries).toEqual([
      {
        line: 2,
        record: {
          MATNR: '000000000000004711',
          Text: 'Schraube; M6\r\nverzinkt',
          Datum: '17.11.2026',
          Menge: '1.234,56-',
        },
      },
      { line: 4, record: { MATNR: '4712', Text: 'Sagt "Hallo"', Datum: '20261118', Menge: '0,5' } },
    ]);
  });

  it('decodes Latin-1 and Windows-1252', async () => {
    const latin = join(dir, 'latin.csv');
    writeFileSync(latin, iconv.encode('name;city\nJürgen;Köln\n', 'latin1'));
    const win = join(dir, 'win.csv');
    writeFileSync(win, iconv.encode('name;price\nEuro;€ 5\n', 'win1252'));
    expect((await collect(csv(), decodedText(latin, 'latin1')))[0]?.record).toEqual({
      name: 'Jürgen',
      city: 'Köln',
    });
    expect((await collect(csv(), decodedText(win, 'win1252')))[0]?.record).toEqual({
      name: 'Euro',
      price: '€ 5',
    });
  });

  it('rejects ragged rows, bad quotes and oversized records with their lines and keeps going', async () => {
    const text =
      'id;name\n1;a\n2\n3;"bad"x\n4;' + 'y'.repeat(500) + '\n5;b;c\n6;"multi\nline"\n7;ok\n';
    const entries = await collect(csv(), chunks(text));
    expect(entries.filter((e) => e.record).map((e) => [e.line, e.record!['id']])).toEqual([
      [2, '1'],
      [7, '6'],
      [9, '7'],
    ]);
    expect(entries.filter((e) => e.error).map((e) => [e.line, e.error!.rule])).toEqual([
      [3, 'csv:columns'],
      [4, 'csv:quote'],
      [5, 'record:size'],
      [6, 'csv:columns'],
    ]);
    expect(entries.find((e) => e.line === 5)!.raw!.length).toBeLessThanOrEqual(4097);
  });

  it('maps headers, takes given column names and accepts ragged rows when relaxed', async () => {
    const renamed = await collect(
      csv({ rename: { 'Material Nr.': 'material' } }),
      chunks('Material Nr.;qty\nM-1;2\n'),
    );
    expect(renamed[0]?.record).toEqual({ material: 'M-1', qty: '2' });
    const tsv = await collect(
      csv({ delimiter: '\t', header: ['a', 'b'], relaxColumnCount: true }),
      chunks('1\t2\n3\n'),
    );
    expect(tsv.map((e) => e.record)).toEqual([{ a: '1', b: '2' }, { a: '3' }]);
  });

  it('fails a file whose header is unusable or that is empty', async () => {
    await expect(collect(csv(), chunks(''))).rejects.toThrow(/empty/);
    await expect(collect(csv(), chunks('a;a\n1;2\n'))).rejects.toThrow(/repeated/);
    await expect(collect(csv(), chunks('"open;b\n1;2\n'))).rejects.toThrow(/header/);
  });
});

describe('JSON Lines and fixed-width parsers', () => {
  it('rejects malformed, non-object and oversized lines and keeps going', async () => {
    const text = '{"id":1}\r\nnot json\n[1]\n\n{"id":"' + 'x'.repeat(300) + '"}\n{"id":2}';
    const entries = await collect(jsonLinesParser({ maxRecordBytes: 100 }), chunks(text, 7));
    expect(entries.map((e) => [e.line, e.record?.['id'] ?? e.error!.rule])).toEqual([
      [1, 1],
      [2, 'jsonl:syntax'],
      [3, 'jsonl:object'],
      [5, 'record:size'],
      [6, 2],
    ]);
  });

  it('cuts columns, converts implied decimals, signs and dates, and rejects short lines', async () => {
    const parse = fixedWidthParser({
      allowShortLines: false,
      maxRecordBytes: 100,
      columns: [
        { name: 'id', start: 1, length: 4, type: 'integer', impliedDecimals: 0, trim: true },
        { name: 'amount', start: 5, length: 8, type: 'decimal', impliedDecimals: 2, trim: true },
        { name: 'date', start: 13, length: 8, type: 'date', impliedDecimals: 0, trim: true },
      ],
    });
    const entries = await collect(
      parse,
      chunks('00010123455-20261117\n0002   1000020261118\n0003\n0004abcdefgh20261118\n'),
    );
    expect(entries.map((e) => e.record ?? e.error!.rule)).toEqual([
      { id: 1, amount: '-1234.55', date: '2026-11-17' },
      { id: 2, amount: '100.00', date: '2026-11-18' },
      'fixed:length',
      'fixed:type',
    ]);
  });
});

describe('JSON array parser', () => {
  it('streams elements with strings holding brackets, commas and escapes; rejects bad ones', async () => {
    const doc =
      ' [\n  {"id": 1, "note": "a, [b] {c} \\"q\\""},\n  {"id": 2, "tags": [1, {"x": ","}]},\n  42,\n  {"id": oops},\n' +
      `  {"id": "${'x'.repeat(300)}"},\n  {"id": 3}\n]\n`;
    const entries = await collect(jsonArrayParser({ maxRecordBytes: 100 }), chunks(doc, 4));
    expect(entries.map((e) => [e.line, e.record ?? e.error!.rule])).toEqual([
      [2, { id: 1, note: 'a, [b] {c} "q"' }],
      [3, { id: 2, tags: [1, { x: ',' }] }],
      [4, 'json:object'],
      [5, 'json:syntax'],
      [6, 'record:size'],
      [7, { id: 3 }],
    ]);
  });

  it('fails a file that is not a closed JSON array', async () => {
    const parse = jsonArrayParser({ maxRecordBytes: 100 });
    await expect(collect(parse, chunks('{"id":1}'))).rejects.toThrow(/not a JSON array/);
    await expect(collect(parse, chunks('[{"id":1},'))).rejects.toThrow(/not closed/);
    await expect(collect(parse, chunks('  '))).rejects.toThrow(/empty/);
  });
});

describe('XML parser', () => {
  const xml = (recordPath: string, maxRecordBytes = 1000) =>
    xmlParser({ recordPath, maxRecordBytes });

  it('streams records at the element path with attributes, nesting, repeats and CDATA', async () => {
    const doc =
      '<?xml version="1.0"?>\n<Orders batch="7">\n  <Order id="1">\n    <Customer>ACME &amp; Co</Customer>\n' +
      '    <Line><Sku>A</Sku></Line><Line><Sku>B</Sku></Line>\n  </Order>\n' +
      '  <Order id="2"><Note><![CDATA[<b>fragile</b>]]></Note></Order>\n  <Other/>\n</Orders>\n';
    const entries = await collect(xml('Orders/Order'), chunks(doc, 5));
    expect(entries).toEqual([
      {
        line: 3,
        record: { '@id': '1', Customer: 'ACME & Co', Line: [{ Sku: 'A' }, { Sku: 'B' }] },
      },
      { line: 7, record: { '@id': '2', Note: '<b>fragile</b>' } },
    ]);
  });

  it('rejects an oversized record and keeps going; fails a document that is not well-formed', async () => {
    const doc = `<R><I>${'x'.repeat(5000)}</I><I>ok</I></R>`;
    const entries = await collect(xml('R/I', 100), chunks(doc, 64));
    expect(entries.map((e) => e.record?.['#text'] ?? e.error?.rule)).toEqual(['record:size', 'ok']);
    await expect(collect(xml('R/I'), chunks('<R><I>1</I><I>2</R>'))).rejects.toThrow();
  });
});
