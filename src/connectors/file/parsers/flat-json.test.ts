import { describe, expect, it } from 'vitest';
import { parseFlatObject } from './flat-json.js';
import { jsonLinesParser, type ParsedEntry } from './index.js';

/** What the JSON Lines parser does with a line: the fast path, else JSON.parse. */
function viaFastPath(line: string, keys: string[] = []): unknown {
  return parseFlatObject(line, keys) ?? JSON.parse(line);
}

function jsonParseOrError(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

function fastOrError(line: string, keys: string[]): unknown {
  try {
    return viaFastPath(line, keys);
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** Same value, same key order, same prototype. */
function expectSameAsJsonParse(line: string, keys: string[] = []): void {
  const want = jsonParseOrError(line);
  const got = fastOrError(line, keys);
  expect(got).toStrictEqual(want);
  if (want !== null && typeof want === 'object') {
    expect(Object.keys(got as object)).toEqual(Object.keys(want));
    expect(Object.getPrototypeOf(got)).toBe(Object.getPrototypeOf(want));
  }
}

describe('flat JSON object fast path', () => {
  it('takes the common flat record itself, with the values JSON.parse gives', () => {
    const line =
      '{"BUKRS":"1000","ARKTX":" Euro-Palette 1200x800 ","n":-12.5e2,"z":0,"t":true,"f":false,"x":null,"e":""}';
    const rec = parseFlatObject(line, []);
    expect(rec).toStrictEqual(JSON.parse(line));
    expect(rec).toStrictEqual({
      BUKRS: '1000',
      ARKTX: ' Euro-Palette 1200x800 ',
      n: -1250,
      z: 0,
      t: true,
      f: false,
      x: null,
      e: '',
    });
  });

  it('decodes escaped string values like JSON.parse', () => {
    const line = String.raw`{"a":"Rohr \"DN 50\" 6 m","b":"tab\there\\\/","c":"\u00e4\ud83d\ude00"}`;
    expect(parseFlatObject(line, [])).toStrictEqual({
      a: 'Rohr "DN 50" 6 m',
      b: 'tab\there\\/',
      c: 'ä😀',
    });
  });

  it('reuses cached keys only when the whole key matches', () => {
    const keys: string[] = [];
    expect(parseFlatObject('{"ab":1,"c":2}', keys)).toEqual({ ab: 1, c: 2 });
    expect(keys).toEqual(['ab', 'c']);
    // "a" is a prefix of the cached "ab", "abc" extends it: neither may match it.
    expect(parseFlatObject('{"a":1,"c":2}', keys)).toEqual({ a: 1, c: 2 });
    expect(parseFlatObject('{"abc":1,"c":2}', keys)).toEqual({ abc: 1, c: 2 });
    expect(parseFlatObject('{"c":2,"abc":1}', keys)).toEqual({ c: 2, abc: 1 });
  });

  it('leaves what it does not handle to JSON.parse', () => {
    for (const line of [
      '{"a":{"b":1}}',
      '{"a":[1,2]}',
      '{"__proto__":null}',
      '{"a":1,"__proto__":"x"}',
      String.raw`{"k\u0065y":1}`,
      '[1,2]',
      '"text"',
      '42',
    ]) {
      expect(parseFlatObject(line, [])).toBeUndefined();
    }
    // JSON.parse makes __proto__ an own property; plain assignment would set the prototype.
    const proto = viaFastPath('{"__proto__":null}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('gives the same result or the same error as JSON.parse on a nasty corpus', () => {
    const corpus = [
      '{}',
      ' \t{ } \r',
      '{ "a" : "1" , "b" : 2 }',
      '{"a":1,"a":2,"b":3}',
      '{"2":"x","1":"y","b":"z"}',
      '{"constructor":"c","toString":"t","hasOwnProperty":1}',
      '{"n":1e400,"m":-0,"o":0.1,"p":123456789012345678901234567890,"q":1E+2,"r":5e-324}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":-}',
      '{"a":+1}',
      '{"a":1e}',
      '{"a":0x10}',
      '{"a":NaN}',
      '{"a":tru}',
      '{"a":nul}',
      '{"a":"x"',
      '{"a":"x",}',
      '{"a" "x"}',
      '{"a":"x"}}',
      '{"a":"x"} x',
      '{"a":"line\nbreak"}',
      '{"a":"tab\tinside"}',
      String.raw`{"a":"bad \x escape"}`,
      String.raw`{"a":"bad \u12 escape"}`,
      String.raw`{"a":"ends with backslash\"}`,
      '{a:1}',
      "{'a':1}",
      '\u00a0{"a":1}',
      '\uFEFF{"a":1}',
      '{"a":"\ud800 lone surrogate"}',
      '{"ä":"ü","€":"😀"}',
      '{"":""}',
      '',
      '{',
      '{"a":1,',
    ];
    for (const line of corpus) expectSameAsJsonParse(line);
  });

  it('matches JSON.parse on random flat objects, with the key cache carried between lines', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const keyPool = ['id', 'i', 'idx', 'BUKRS', 'BUKRS2', 'ä', '1', '0', 'a"b', 'x\\y', ''];
    const valuePool: unknown[] = ['', 'x', 'a longer value than thirteen', 'q"uo\\te', '\u0001', 0];
    valuePool.push(-1.5e-7, 2 ** 64 + 4096, true, false, null, '20240101', 'ü€');
    const keys: string[] = [];
    for (let t = 0; t < 3000; t++) {
      const fields: string[] = [];
      for (let f = rnd(6); f > 0; f--) {
        const k = JSON.stringify(keyPool[rnd(keyPool.length)]);
        const v = JSON.stringify(valuePool[rnd(valuePool.length)]);
        fields.push(`${k}${rnd(4) === 0 ? ' : ' : ':'}${v}`);
      }
      let line = `{${fields.join(rnd(5) === 0 ? ' , ' : ',')}}`;
      // Now and then break the line somewhere.
      if (rnd(6) === 0) {
        const at = rnd(line.length + 1);
        line = line.slice(0, at) + ['"', ',', '}', '\\', ' ', 'x'][rnd(6)]! + line.slice(at);
      }
      expectSameAsJsonParse(line, keys);
    }
  });
});

describe('JSON Lines parser with the fast path', () => {
  it('keeps line numbers, rejects and escaped values across tiny chunks', async () => {
    const text =
      '{"id":"1","t":"a \\"q\\""}\r\n\n{"id":2,"t":{"nested":true}}\n{"id":"3",}\n[1]\n{"id":"5","t":"ä"}';
    async function* tiny() {
      for (let i = 0; i < text.length; i += 2) yield text.slice(i, i + 2);
    }
    const out: ParsedEntry[] = [];
    for await (const e of jsonLinesParser({ maxRecordBytes: 1000 })(tiny())) out.push(e);
    expect(out.map((e) => [e.line, e.record ?? e.error?.rule])).toEqual([
      [1, { id: '1', t: 'a "q"' }],
      [3, { id: 2, t: { nested: true } }],
      [4, 'jsonl:syntax'],
      [5, 'jsonl:object'],
      [6, { id: '5', t: 'ä' }],
    ]);
    expect({ error: out[2]!.error!.message }).toEqual(jsonParseOrError('{"id":"3",}'));
  });
});
