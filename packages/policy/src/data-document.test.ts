import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeDataAt, overlayData, parseDataFile } from './data-document.ts';

describe('parseDataFile', () => {
  it('parses JSON and YAML objects', () => {
    expect(parseDataFile('d.json', '{"a":[1,"x",null,true]}', 'json')).toEqual({ a: [1, 'x', null, true] });
    expect(parseDataFile('d.yaml', 'a:\n  - 1\n  - x\nb: yes\nc: 2024-01-01\n', 'yaml')).toEqual({ a: [1, 'x'], b: 'yes', c: '2024-01-01' });
  });

  it.each([
    ['json', '[1]', /must hold an object/],
    ['json', '"x"', /must hold an object/],
    ['json', 'null', /must hold an object/],
    ['json', '{"a":', /not valid JSON/],
    ['yaml', '- 1\n- 2', /must hold an object/],
    ['yaml', 'a: 1\na: 2', /not valid YAML/],
    ['yaml', 'a: [1', /not valid YAML/],
  ] as const)('refuses %s %j', (format, text, pattern) => {
    expect(() => parseDataFile('d', text, format)).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DATA_INVALID', message: expect.stringMatching(pattern) }));
  });

  it('refuses YAML alias expansion bombs', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let index = 1; index < 12; index++) lines.push(`a${index}: &a${index} [${Array(10).fill(`*a${index - 1}`).join(', ')}]`);
    expect(() => parseDataFile('bomb.yaml', lines.join('\n'), 'yaml')).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DATA_INVALID' }));
  });

  it('keeps __proto__ as a plain key', () => {
    const value = parseDataFile('d.json', '{"__proto__":{"polluted":true}}', 'json');
    const root = {};
    mergeDataAt(root, { segments: [], value, file: 'd.json' });
    mergeDataAt(root, { segments: ['__proto__'], value: { more: 1 }, file: 'e.json' });
    expect(Object.getPrototypeOf(root)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(root)).toEqual(['__proto__']);
    expect(JSON.stringify(root)).toBe('{"__proto__":{"polluted":true,"more":1}}');
  });
});

describe('mergeDataAt', () => {
  it('places a document at its directory path and merges objects recursively', () => {
    const root = {};
    mergeDataAt(root, { segments: [], value: { a: { x: 1 } }, file: 'data.json' });
    mergeDataAt(root, { segments: ['a', 'b'], value: { y: 2 }, file: 'a/b/data.json' });
    mergeDataAt(root, { segments: ['c'], value: {}, file: 'c/data.json' });
    expect(root).toEqual({ a: { x: 1, b: { y: 2 } }, c: {} });
  });

  it('raises a conflict when two files set the same leaf', () => {
    const root = {};
    mergeDataAt(root, { segments: ['a'], value: { x: 1 }, file: 'a/data.json' });
    expect(() => mergeDataAt(root, { segments: [], value: { a: { x: 1 } }, file: 'data.json' })).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_DATA_INVALID', message: 'data.json: merge conflict at data.a.x' }),
    );
    expect(() => mergeDataAt(root, { segments: ['a', 'x'], value: {}, file: 'a/x/data.json' })).toThrow(/merge conflict at data\.a\.x/);
  });

  it('never changes the documents it was given', () => {
    fc.assert(
      fc.property(fc.object(), fc.object(), (first, second) => {
        const before = [structuredClone(first), structuredClone(second)];
        const root = {};
        try {
          mergeDataAt(root, { segments: [], value: first, file: '1' });
          mergeDataAt(root, { segments: [], value: second, file: '2' });
        } catch {
          // conflicts are expected for random documents
        }
        expect([first, second]).toEqual(before);
      }),
    );
  });
});

describe('overlayData', () => {
  it('merges objects and lets the later value win for anything else, without touching the earlier objects', () => {
    const library = { writ_config: { approval: { classes: { A4: 'manager-approval', A5: 'dual-control' } }, egress: { allow: [] as string[] } } };
    const before = JSON.stringify(library);
    const data = {};
    overlayData(data, library);
    overlayData(data, { writ_config: { approval: { classes: { A4: 'dual-control' } }, egress: { allow: ['*.example.com'] }, extra: { x: 1 } } });
    expect(data).toEqual({ writ_config: { approval: { classes: { A4: 'dual-control', A5: 'dual-control' } }, egress: { allow: ['*.example.com'] }, extra: { x: 1 } } });
    expect(JSON.stringify(library)).toBe(before);
    // An object replaces a scalar and the other way round; a __proto__ key stays plain data.
    const mixed: Record<string, unknown> = { a: 1, b: { c: 1 } };
    overlayData(mixed, JSON.parse('{"a":{"x":1},"b":2,"__proto__":{"polluted":true}}') as Record<string, unknown>);
    expect(mixed).toEqual(JSON.parse('{"a":{"x":1},"b":2,"__proto__":{"polluted":true}}'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(mixed)).toBe(Object.prototype);
  });
});
