import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import { canonicalTokenPayload, isCanonicalTokenText } from './token-json.ts';
import { parseTokenPayload } from './token-payload.ts';

const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
// Strings across the whole of Unicode (astral planes, controls, quotes, backslashes, U+2028).
const text = (maxLength = 40) =>
  fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength }),
    fc.string({ unit: 'binary', minLength: 1, maxLength }),
    fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u007f', '\u2028', '\u00e9', '\ud83d\ude00', 'a', '/'), minLength: 1, maxLength }),
  );
const digestArb = fc.stringMatching(/^[0-9a-f]{64}$/).map((hex) => `sha256:${hex}`);
const seconds = fc.integer({ min: 0, max: 4_000_000_000 });
const finite = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constant(-0), fc.constant(1e21), fc.constant(5e-324));
const scalar = fc.oneof(fc.constant(null), fc.boolean(), finite, text(10));
const uniqueTexts = fc.uniqueArray(text(20), { minLength: 1, maxLength: 4 });
const bound = fc
  .record({ min: optional(finite), max: optional(finite), maxLength: optional(fc.nat()), oneOf: optional(fc.array(scalar, { maxLength: 4 })) })
  .filter((b) => Object.values(b).some((v) => v !== undefined));

/** Objects as JSON.parse or mintToken would hand them over: no undefined-valued keys. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const constraints = fc
  .record({
    exp: fc.integer({ min: 4_000_000_001, max: 253402300799 }),
    nbf: optional(seconds),
    maxUses: optional(fc.integer({ min: 1, max: 1000 })),
    rate: optional(fc.record({ count: fc.integer({ min: 1, max: 100 }), perSeconds: fc.integer({ min: 1, max: 3600 }) })),
    bytes: optional(fc.record({ request: optional(fc.nat()), response: optional(fc.nat()) }).map(defined)),
    args: optional(fc.dictionary(text(20), bound.map(defined), { maxKeys: 4 })),
    region: optional(uniqueTexts),
    hops: optional(fc.nat({ max: 8 })),
    secrets: optional(fc.boolean()),
  })
  .map(defined);

const payload = fc
  .record({
    v: fc.constant(1),
    id: text(),
    iss: text(),
    sub: text(),
    act: optional(uniqueTexts),
    aud: uniqueTexts,
    cmd: text(),
    resource: optional(text(100)),
    intent: optional(digestArb),
    iat: seconds,
    constraints,
    policy: optional(fc.record({ digest: digestArb, decision: text() })),
    basis: optional(fc.record({ digest: digestArb, score: finite })),
    env: optional(digestArb),
    approvals: optional(fc.array(digestArb, { maxLength: 3 })),
    parent: optional(digestArb),
    summary: optional(text(100)),
  })
  .map(defined)
  // Only well-formed strings are valid payloads (lone surrogates are tested below).
  .filter((value) => {
    try {
      parseTokenPayload(value);
      canonicalize(value);
      return true;
    } catch {
      return false;
    }
  });

function outcome(run: () => string): string {
  try {
    return `ok:${run()}`;
  } catch (error) {
    if (WritError.isInstance(error)) return `error:${error.code}:${error.message}`;
    throw error;
  }
}

describe('canonicalTokenPayload', () => {
  it('writes exactly the bytes of the generic canonicalizer for every valid payload', () => {
    fc.assert(
      fc.property(payload, (value) => {
        expect(canonicalTokenPayload(value)).toBe(canonicalize(value));
        // And after a JSON round trip, as the verifier sees it.
        const parsed: unknown = JSON.parse(JSON.stringify(value));
        expect(canonicalTokenPayload(parsed)).toBe(canonicalize(parsed));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the generic canonicalizer result (or its error) for values outside the shape', () => {
    // Mutations of a valid payload the writer does not recognise.
    const mutate = fc.constantFrom<(value: Record<string, unknown>) => void>(
      (v) => (v.extra = 1),
      (v) => (v.id = 'lone \ud800 surrogate'),
      (v) => (v.aud = ['a', , 'b']),
      (v) => (v.aud = ['a', undefined]),
      (v) => (v.iat = Number.NaN),
      (v) => (v.iat = 12n),
      (v) => (v.summary = undefined),
      (v) => (v.constraints = new Map()),
      (v) => (v.constraints = { exp: 5_000_000_000, when: new Date(0) }),
      (v) => (v.constraints = { exp: 5_000_000_000, args: { '\udc00': { max: 1 } } }),
      (v) => (v.constraints = { exp: 5_000_000_000, args: { b: { max: 1, extra: [1] }, a: { min: undefined, max: 2 } } }),
      (v) => (v.policy = Object.assign(Object.create({ inherited: true }) as object, { digest: 'x', decision: 'y' })),
      (v) => (v.basis = [1, 2]),
      (v) => (v.secrets = true),
      (v) => (v.v = { nested: { deep: ['x', { y: null }] } }),
      (v) => Object.defineProperty(v, '__proto__', { value: { evil: 1 }, enumerable: true, configurable: true, writable: true }),
    );
    fc.assert(
      fc.property(payload, mutate, (value, change) => {
        const copy = { ...value } as Record<string, unknown>;
        change(copy);
        expect(outcome(() => canonicalTokenPayload(copy))).toBe(outcome(() => canonicalize(copy)));
      }),
      { numRuns: 300 },
    );
  });

  it('ignores inherited keys as the generic canonicalizer does', () => {
    const base = { v: 1, id: 'i', iss: 's', sub: 'a', aud: ['g'], cmd: 'c', iat: 1, constraints: { exp: 2 } };
    const proto = { resource: 'inherited' };
    const value = Object.assign(Object.create(proto) as object, base);
    // A non-plain object (its prototype is not Object.prototype): both refuse.
    expect(outcome(() => canonicalTokenPayload(value))).toBe(outcome(() => canonicalize(value)));
    expect(outcome(() => canonicalTokenPayload(value))).toMatch(/^error:ERR_CANONICAL_UNSUPPORTED/);
    const nullProto = Object.assign(Object.create(null) as object, base);
    expect(canonicalTokenPayload(nullProto)).toBe(canonicalize(base));
  });

  it('known answer: a typical payload', () => {
    const value = {
      v: 1,
      id: 'AAECAwQFBgcICQoLDA0ODw',
      iss: 'orchestrator:eu-1/7f3a',
      sub: 'agent:treasury-assistant',
      act: ['user:alice@example.com'],
      aud: ['payments-gateway'],
      cmd: 'payments.transfer',
      resource: 'ledger:acct:alice/main',
      iat: 1767225600,
      constraints: { exp: 1767225660, maxUses: 3, args: { 'z.y': { oneOf: ['a"b', -0, 1e21, null, true] }, amount: { max: 100, min: 0.5 } } },
      summary: 'Transfer 42 € to Bob\n',
    };
    expect(canonicalTokenPayload(value)).toBe(
      '{"act":["user:alice@example.com"],"aud":["payments-gateway"],"cmd":"payments.transfer",' +
        '"constraints":{"args":{"amount":{"max":100,"min":0.5},"z.y":{"oneOf":["a\\"b",0,1e+21,null,true]}},"exp":1767225660,"maxUses":3},' +
        '"iat":1767225600,"id":"AAECAwQFBgcICQoLDA0ODw","iss":"orchestrator:eu-1/7f3a","resource":"ledger:acct:alice/main",' +
        '"sub":"agent:treasury-assistant","summary":"Transfer 42 € to Bob\\n","v":1}',
    );
  });

  it('isCanonicalTokenText gives the verdict of comparing with canonicalize, for canonical and re-ordered or re-spaced texts', () => {
    // Reverses or keeps each object's key order, recursively.
    const reorder = (value: unknown, flip: boolean): unknown => {
      if (Array.isArray(value)) return value.map((item) => reorder(item, flip));
      if (typeof value !== 'object' || value === null) return value;
      const entries = Object.entries(value).map(([k, v]) => [k, reorder(v, flip)] as const);
      return Object.fromEntries(flip ? entries.reverse() : entries.sort(([a], [b]) => (a < b ? -1 : 1)));
    };
    const variant = fc.constantFrom(
      (v: unknown) => canonicalize(v),
      (v: unknown) => JSON.stringify(reorder(v, true)),
      (v: unknown) => JSON.stringify(reorder(v, false), null, 1),
      (v: unknown) => canonicalize(v).replace(/"(v|iat)":(\d+)/, '"$1":$2.0'),
      (v: unknown) => canonicalize(v).replace(/\u00e9/g, '\\u00e9').replace(/é/g, '\\u00e9'),
    );
    // Integer-like argument paths (JSON.parse lists them first) and surrogate escapes.
    const withArgs = payload.map((value) => ({
      ...value,
      constraints: { ...value.constraints, args: { '10': { max: 1 }, '9': { min: 0 }, 'é\\ud83d': { oneOf: ['\ud83d\ude00'] } } },
    }));
    fc.assert(
      fc.property(fc.oneof(payload, withArgs), variant, (value, write) => {
        const text = write(value);
        const parsed: unknown = JSON.parse(text);
        expect(isCanonicalTokenText(parsed, text)).toBe(canonicalize(parsed) === text);
      }),
      { numRuns: 300 },
    );
    // A lone surrogate written as an escape has no canonical form: refused like canonicalize.
    const lone = '{"aud":["a"],"cmd":"c","constraints":{"exp":2},"iat":1,"id":"\\ud800","iss":"i","sub":"s","v":1}';
    expect(outcome(() => String(isCanonicalTokenText(JSON.parse(lone), lone)))).toBe(outcome(() => canonicalize(JSON.parse(lone))));
    expect(outcome(() => String(isCanonicalTokenText(JSON.parse(lone), lone)))).toMatch(/^error:ERR_CANONICAL_UNSUPPORTED/);
  });
});
