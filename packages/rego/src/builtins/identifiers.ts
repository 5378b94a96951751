/**
 * semver.is_valid / semver.compare (coreos/go-semver rules as OPA vendors them),
 * uuid.rfc4122 (random v4, stable per evaluation and key) and uuid.parse (google/uuid
 * forms and decoded fields) (topdown/semver.go, uuid.go).
 */
import { randomBytes } from 'node:crypto';
import type { Value } from '../value.ts';
import { keyOf, numberValue, RObject } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { stringArg } from './operands.ts';

interface SemVer {
  readonly numbers: readonly [bigint, bigint, bigint];
  readonly preRelease: string;
}

const identifier = /^[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;

/** Parses "MAJOR.MINOR.PATCH[-PRE][+META]" as go-semver does; undefined when invalid. */
export function parseSemVer(text: string): SemVer | undefined {
  let rest = text;
  let metadata = '';
  let preRelease = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) [rest, metadata] = [rest.slice(0, plus), rest.slice(plus + 1)];
  const dash = rest.indexOf('-');
  if (dash >= 0) [rest, preRelease] = [rest.slice(0, dash), rest.slice(dash + 1)];
  const parts = rest.split('.');
  if (parts.length !== 3) return undefined;
  if ((preRelease !== '' && !identifier.test(preRelease)) || (metadata !== '' && !identifier.test(metadata))) return undefined;
  const numbers: bigint[] = [];
  for (const part of parts) {
    // strconv.ParseInt(part, 10, 64): optional sign, decimal digits, int64 range.
    if (!/^[+-]?\d+$/.test(part)) return undefined;
    const n = BigInt(part);
    if (n < -(2n ** 63n) || n >= 2n ** 63n) return undefined;
    numbers.push(n);
  }
  return { numbers: numbers as [bigint, bigint, bigint], preRelease };
}

function comparePreRelease(a: string, b: string): number {
  if (a === b) return 0;
  if (a === '') return 1;
  if (b === '') return -1;
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const p = x[i]!;
    const q = y[i]!;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    let c: number;
    if (pn && qn) c = BigInt(p) < BigInt(q) ? -1 : BigInt(p) > BigInt(q) ? 1 : 0;
    else if (pn) c = -1;
    else if (qn) c = 1;
    else c = p < q ? -1 : p > q ? 1 : 0;
    if (c !== 0) return c;
  }
  return Math.sign(x.length - y.length);
}

/** Semantic-version order: -1, 0 or 1. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (let i = 0; i < 3; i++) {
    if (a.numbers[i]! !== b.numbers[i]!) return a.numbers[i]! < b.numbers[i]! ? -1 : 1;
  }
  return comparePreRelease(a.preRelease, b.preRelease);
}

function semverArg(args: readonly Value[], pos: number): SemVer {
  const text = stringArg(args, pos);
  const version = parseSemVer(text);
  if (version === undefined) fail(`operand ${pos}: string ${JSON.stringify(text)} is not a valid SemVer`);
  return version;
}

/** google/uuid.Parse: 36 chars, {…}, urn:uuid:…, or 32 hex digits. */
export function parseUUID(text: string): Uint8Array | undefined {
  let s = text;
  if (s.length === 45 && s.slice(0, 9).toLowerCase() === 'urn:uuid:') s = s.slice(9);
  else if (s.length === 38 && s[0] === '{' && s[37] === '}') s = s.slice(1, 37);
  if (s.length === 36) {
    if (s[8] !== '-' || s[13] !== '-' || s[18] !== '-' || s[23] !== '-') return undefined;
    s = s.replaceAll('-', '');
    if (s.length !== 32) return undefined;
  } else if (s.length !== 32) return undefined;
  if (!/^[0-9a-fA-F]{32}$/.test(s)) return undefined;
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function variantName(b: number): string {
  if ((b & 0xc0) === 0x80) return 'RFC4122';
  if ((b & 0xe0) === 0xc0) return 'Microsoft';
  if ((b & 0xe0) === 0xe0) return 'Future';
  return 'Reserved';
}

function macVariables(b: number): string {
  if ((b & 3) === 3) return 'local:multicast';
  if ((b & 1) === 1) return 'global:multicast';
  if ((b & 2) === 2) return 'local:unicast';
  return 'global:unicast';
}

// 100-ns intervals between 1582-10-15 and the Unix epoch.
const gregorianOffset = 122192928000000000n;

function describeUUID(u: Uint8Array): Value {
  const view = Buffer.from(u);
  const version = u[6]! >> 4;
  const out = new RObject([['version', version], ['variant', variantName(u[8]!)]]);
  if (version === 1 || version === 2) {
    const ticks = (BigInt(view.readUInt16BE(6) & 0xfff) << 48n) | (BigInt(view.readUInt16BE(4)) << 32n) | BigInt(view.readUInt32BE(0));
    out.set('time', numberValue((ticks - gregorianOffset) * 100n));
    out.set('nodeid', [...u.slice(10)].map((b) => b.toString(16).padStart(2, '0')).join('-'));
    out.set('macvariables', macVariables(u[10]!));
    out.set('clocksequence', view.readUInt16BE(8) & 0x3fff);
    if (version === 2) {
      out.set('id', view.readUInt32BE(0));
      const domain = u[9]!;
      out.set('domain', ['Person', 'Group', 'Org'][domain] ?? `Domain${domain}`);
    }
  }
  return out;
}

function newUUID(): string {
  const b = randomBytes(16);
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = b.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The semver and uuid builtins. */
export const identifiers: BuiltinTable = {
  'semver.is_valid': [1, ([v]) => typeof v === 'string' && parseSemVer(v) !== undefined],
  'semver.compare': [2, (args) => compareSemVer(semverArg(args, 1), semverArg(args, 2))],
  'uuid.rfc4122': [1, ([v], ctx) => {
    const key = `uuid.rfc4122\u0000${keyOf(v!)}`;
    const cached = ctx.cache.get(key);
    if (typeof cached === 'string') return cached;
    const id = newUUID();
    ctx.cache.set(key, id);
    return id;
  }],
  'uuid.parse': [1, (args) => {
    const bytes = parseUUID(stringArg(args, 1));
    return bytes === undefined ? undefined : describeUUID(bytes);
  }],
};
