import { describe, expect, it } from 'vitest';
import { fromJSON, RObject, RSet } from '../value.ts';
import { call, callError, callValue } from './test-call.ts';

describe('object builtins', () => {
  it('object.get follows key paths and falls back to the default', () => {
    expect(call('object.get', { a: { b: 1 } }, ['a', 'b'], 2)).toBe(1);
    expect(call('object.get', { a: { b: [1, 2, 3] } }, ['a', 'b', 'a'], 2)).toBe(2);
    expect(call('object.get', { a: 1 }, [], 2)).toEqual({ a: 1 });
    expect(call('object.get', { a: 'b' }, 'c', 'd')).toBe('d');
    expect(callError('object.get', 'x', 'a', 1).message).toBe('object.get: operand 1 must be object but got string');
  });
  it('remove, filter and keys accept arrays, sets and objects of keys', () => {
    expect(call('object.remove', { a: 1, b: 2, d: 4 }, ['d', 'b'])).toEqual({ a: 1 });
    expect(call('object.filter', { a: 1, b: 2 }, { a: 'x' })).toEqual({ a: 1 });
    expect(callValue('object.keys', [fromJSON({ a: 1, b: 2 })])).toEqual(new RSet(['a', 'b']));
    expect(callError('object.remove', { a: 1 }, 'a').message).toBe(
      'object.remove: operand 2 must be one of {object, set, array} but got string',
    );
  });
  it('union merges recursively with the right side winning', () => {
    expect(call('object.union', { a: { b: 1, c: 2 } }, { a: { b: 3 }, d: 4 })).toEqual({ a: { b: 3, c: 2 }, d: 4 });
    expect(call('object.union_n', [{ a: { b: 2 } }, { a: 4 }, { a: { c: 3 } }])).toEqual({ a: { c: 3 } });
  });
  it('subset recurses into objects and searches arrays', () => {
    expect(call('object.subset', { a: { b: 1, c: 2 }, d: 3 }, { a: { b: 1 } })).toBe(true);
    expect(call('object.subset', [1, 2, 3, 4], [2, 3])).toBe(true);
    expect(call('object.subset', [1, 2, 3, 4], [3, 2])).toBe(false);
    expect(callValue('object.subset', [fromJSON([1, 2, 3]), new RSet([3, 1])])).toBe(true);
    expect(callError('object.subset', 1, 'a').code).toBe('eval_type_error');
  });
  it('non-string keys survive', () => {
    const object = new RObject([[[[7]], 2], ['a', 1]]);
    expect(callValue('object.filter', [object, new RSet([[[7]]])])).toEqual(new RObject([[[[7]], 2]]));
  });
});

describe('array and set builtins', () => {
  it('slices with clamping', () => {
    expect(call('array.slice', [1, 2, 3, 4], 1, 3)).toEqual([2, 3]);
    expect(call('array.slice', [1, 2, 3], -5, 10)).toEqual([1, 2, 3]);
    expect(call('array.slice', [1, 2, 3], 2, 1)).toEqual([]);
    expect(call('array.concat', [1], [2])).toEqual([1, 2]);
    expect(call('array.reverse', [1, 2, 3])).toEqual([3, 2, 1]);
    expect(callError('array.reverse', {}).message).toBe('array.reverse: operand 1 must be array but got object');
  });
  it('intersects and unites sets of sets', () => {
    const sets = new RSet([new RSet([1, 2, 3]), new RSet([2, 3, 4])]);
    expect(callValue('intersection', [sets])).toEqual(new RSet([2, 3]));
    expect(callValue('union', [sets])).toEqual(new RSet([1, 2, 3, 4]));
    expect(callValue('intersection', [new RSet()])).toEqual(new RSet());
  });
});

describe('json paths', () => {
  it('json.filter keeps named paths, including array indexes', () => {
    expect(call('json.filter', { a: { b: 1, c: 2 }, d: 3 }, ['a/b', 'd'])).toEqual({ a: { b: 1 }, d: 3 });
    expect(call('json.filter', { a: [{ x: 1, y: 2 }, { x: 3 }] }, ['a/0/x'])).toEqual({ a: [{ x: 1 }] });
  });
  it('json.remove drops paths and closes array gaps', () => {
    expect(call('json.remove', { a: { b: 1, c: 2 }, d: 3 }, ['/a/b'])).toEqual({ a: { c: 2 }, d: 3 });
    expect(call('json.remove', { a: [1, 2, 3] }, [['a', '1']])).toEqual({ a: [1, 3] });
    expect(callError('json.remove', { a: 1 }, [1]).message).toBe(
      'json.remove: operand 2 must be one of {set, array} containing string paths or array of path segments but got number',
    );
  });
  it('json.patch applies RFC 6902 operations and is undefined when one fails', () => {
    const ops = [
      { op: 'add', path: '/a/-', value: 4 },
      { op: 'replace', path: '/b', value: 'x' },
      { op: 'move', from: '/c', path: '/d' },
      { op: 'copy', from: '/d', path: '/e' },
      { op: 'remove', path: '/a/0' },
      { op: 'test', path: '/b', value: 'x' },
    ];
    expect(call('json.patch', { a: [1], b: 1, c: 2 }, ops)).toEqual({ a: [4], b: 'x', d: 2, e: 2 });
    expect(call('json.patch', { a: 1 }, [{ op: 'remove', path: '/zz' }])).toBeUndefined();
    expect(call('json.patch', { a: 1 }, [{ op: 'add', path: '', value: 5 }])).toBe(5);
  });
});

describe('encoding', () => {
  it('base64 round trips and reports Go’s byte offsets', () => {
    expect(call('base64.encode', 'hello')).toBe('aGVsbG8=');
    expect(call('base64.decode', 'aGVsbG8=')).toBe('hello');
    expect(callError('base64.decode', 'aGV$bG8=').message).toBe('base64.decode: illegal base64 data at input byte 3');
    expect(call('base64.is_valid', 'aGVsbG8')).toBe(false);
    expect(call('base64url.encode_no_pad', '??>')).toBe('Pz8-');
    expect(call('base64url.decode', 'Pz8-')).toBe('??>');
    expect(call('base64url.decode', 'aGk')).toBe('hi');
  });
  it('hex and urlquery behave like Go', () => {
    expect(call('hex.encode', 'hi')).toBe('6869');
    expect(callError('hex.decode', '6g').message).toBe("hex.decode: encoding/hex: invalid byte: U+0067 'g'");
    expect(call('urlquery.encode', 'a b&c/é')).toBe('a+b%26c%2F%C3%A9');
    expect(call('urlquery.decode', 'a+b%26c')).toBe('a b&c');
    expect(call('urlquery.encode_object', { b: ['2', '1'], a: 'x y' })).toBe('a=x+y&b=2&b=1');
    expect(call('urlquery.decode_object', 'a=1&a=2&b=')).toEqual({ a: ['1', '2'], b: [''] });
  });
  it('json.marshal sorts keys, keeps exact numbers and escapes HTML like Go', () => {
    expect(call('json.marshal', { b: [1, '<a>'], a: 123456789012345678901234567890n })).toBe(
      '{"a":123456789012345678901234567890,"b":[1,"\\u003ca\\u003e"]}',
    );
    expect(call('json.marshal_with_options', [1, 2], { prefix: 'P ' })).toBe('P [\nP \t1,\nP \t2\nP ]');
    expect(callError('json.marshal_with_options', 1, { x: 1 }).message).toContain('object contained unknown key "x"');
  });
  it('json.unmarshal keeps big numbers exact and reports Go-like errors', () => {
    expect(call('json.unmarshal', '{"a":123456789012345678901234567890}')).toEqual({ a: 123456789012345678901234567890n });
    expect(callError('json.unmarshal', '{"a":').message).toBe('json.unmarshal: unexpected end of JSON input');
    expect(callError('json.unmarshal', 'x').message).toContain('invalid character');
    expect(call('json.is_valid', '[1,2]')).toBe(true);
    expect(call('json.is_valid', 1)).toBe(false);
  });
  it('yaml reads YAML 1.1 scalars as go-yaml v2 does', () => {
    expect(call('yaml.unmarshal', 'a: yes\nb: Off\nc: 0777\nd: 1:20\ne: 2001-12-14\nf: !!binary aGk=')).toEqual({
      a: true, b: false, c: 511, d: '1:20', e: '2001-12-14', f: 'hi',
    });
    expect(call('yaml.marshal', { b: [1, 'x'], a: 'yes' })).toBe('a: "yes"\nb:\n- 1\n- x\n');
  });
  it('yaml round trips JSON-compatible data', () => {
    const text = call('yaml.marshal', { a: [1, 'two'], b: null }) as string;
    expect(call('yaml.unmarshal', text)).toEqual({ a: [1, 'two'], b: null });
    expect(call('yaml.is_valid', 'a: [1')).toBe(false);
    expect(callError('yaml.unmarshal', 'a: [1').message).toMatch(/^yaml\.unmarshal: yaml: /);
  });
  it('is safe against __proto__ keys', () => {
    const parsed = callValue('json.unmarshal', ['{"__proto__":{"polluted":1}}']) as RObject;
    expect(parsed.get('__proto__')).toBeInstanceOf(RObject);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('graph', () => {
  const g = { a: ['b'], b: ['c', 'a'], c: [], d: ['a'] };
  it('reachable follows edges from the initial nodes', () => {
    expect((callValue('graph.reachable', [fromJSON(g), fromJSON(['b'])]) as RSet).sorted()).toEqual(['a', 'b', 'c']);
    expect(callValue('graph.reachable', [fromJSON(g), fromJSON(['zz'])])).toEqual(new RSet());
    expect(callError('graph.reachable', g, 'a').code).toBe('eval_type_error');
  });
  it('reachable_paths stops at leaves and cycles', () => {
    expect((callValue('graph.reachable_paths', [fromJSON(g), fromJSON(['a'])]) as RSet).sorted()).toEqual([
      ['a', 'b'],
      ['a', 'b', 'c'],
    ]);
  });
});

describe('json.patch edge cases', () => {
  it('replaces the whole document and requires set keys to equal values', () => {
    expect(call('json.patch', 'foo', [{ op: 'replace', path: '', value: 'bar' }])).toBe('bar');
    expect(callValue('json.patch', [new RSet(['a']), fromJSON([{ op: 'add', path: ['b'], value: 'b' }])])).toEqual(new RSet(['a', 'b']));
    expect(callValue('json.patch', [new RSet(['a']), fromJSON([{ op: 'add', path: ['b'], value: 'c' }])])).toBeUndefined();
  });
});

describe('json schema', () => {
  const schema = { properties: { id: { type: 'integer', minimum: 1 }, tags: { type: 'array', items: { type: 'string' } } }, required: ['id'] };
  it('match_schema reports gojsonschema-style errors', () => {
    expect(call('json.match_schema', { id: 5, tags: ['a'] }, schema)).toEqual([true, []]);
    expect(call('json.match_schema', '{"id": 5}', JSON.stringify(schema))).toEqual([true, []]);
    expect(call('json.match_schema', { id: 'foo' }, schema)).toEqual([false, [{
      desc: 'Invalid type. Expected: integer, given: string',
      error: 'id: Invalid type. Expected: integer, given: string',
      field: 'id',
      type: 'invalid_type',
    }]]);
    expect(call('json.match_schema', { tags: [1] }, schema)).toEqual([false, [
      { desc: 'id is required', error: '(root): id is required', field: '(root)', type: 'required' },
      { desc: 'Invalid type. Expected: string, given: integer', error: 'tags.0: Invalid type. Expected: string, given: integer', field: 'tags.0', type: 'invalid_type' },
    ]]);
    expect(call('json.match_schema', { id: 0 }, schema)).toEqual([false, [
      { desc: 'Must be greater than or equal to 1', error: 'id: Must be greater than or equal to 1', field: 'id', type: 'number_gte' },
    ]]);
  });
  it('verify_schema rejects unknown primitive types', () => {
    expect(call('json.verify_schema', { type: 'boolean' })).toEqual([true, null]);
    expect(call('json.verify_schema', { type: 'unknown_type' })).toEqual([
      false,
      'jsonschema: has a primitive type that is NOT VALID -- given: /unknown_type/ Expected valid values are:[array boolean integer number null object string]',
    ]);
  });
  it('refuses keywords it cannot enforce instead of skipping them', () => {
    expect(callError('json.match_schema', {}, { $ref: '#/definitions/x' }).message).toContain('$ref is not supported');
  });
});
