/**
 * net.cidr_* builtins (topdown/cidr.go): containment, intersection, expansion, validity,
 * contains_matches and merging (netaddr's algorithm, as OPA ports it).
 */
import type { Value } from '../value.ts';
import { RObject, RSet } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import type { IPBytes, IPNetwork } from './ip-address.ts';
import {
  addressRange, bigIntToIP, compareBytes, formatIP, formatNetwork, ipToBigInt, networkContains, parseCIDR, parseIP,
} from './ip-address.ts';
import { stringArg } from './operands.ts';

/** Largest expansion net.cidr_expand produces (a /12 of IPv4). */
export const maxExpansion = 1 << 20;

function networkArg(args: readonly Value[], pos: number): IPNetwork {
  const text = stringArg(args, pos);
  const network = parseCIDR(text);
  if (network === undefined) fail(`invalid CIDR address: ${text}`);
  return network;
}

function contains(a: IPNetwork, b: string): boolean {
  const ip = parseIP(b);
  if (ip !== undefined) return networkContains(a, ip);
  const network = parseCIDR(b);
  if (network === undefined) fail(`not a valid textual representation of an IP address or CIDR: ${b}`);
  const [first, last] = addressRange(network);
  return networkContains(a, first) && networkContains(a, last);
}

function matchTerms(v: Value, operand: number): [Value, Value][] {
  const cidrOf = (x: Value): Value => {
    if (typeof x === 'string') return x;
    if (Array.isArray(x) && x.length > 0) return (x as readonly Value[])[0]!;
    fail(`operand ${operand}: element must be string or non-empty array`);
  };
  if (typeof v === 'string') return [[v, v]];
  if (Array.isArray(v)) return (v as readonly Value[]).map((x, i) => [cidrOf(x), i]);
  if (v instanceof RSet) return v.sorted().map((x) => [cidrOf(x), x]);
  if (v instanceof RObject) return [...v.entries()].map(([k, x]) => [cidrOf(x), k]);
  return [];
}

function containsMatches(args: readonly Value[]): Value {
  const out = new RSet();
  for (const [cidr1, index1] of matchTerms(args[0]!, 1)) {
    for (const [cidr2, index2] of matchTerms(args[1]!, 2)) {
      const network = networkArg([cidr1], 1);
      if (typeof cidr2 !== 'string') fail('operand 2 must be string');
      if (contains(network, cidr2)) out.add([index1, index2]);
    }
  }
  return out;
}

function expand(args: readonly Value[]): Value {
  const network = networkArg(args, 1);
  const [first, last] = addressRange(network);
  const start = ipToBigInt(first);
  const end = ipToBigInt(last);
  if (end - start + 1n > BigInt(maxExpansion)) fail(`CIDR expands to more than ${maxExpansion} addresses`);
  const out = new RSet();
  for (let n = start; n <= end; n++) out.add(formatIP(bigIntToIP(n, first.length)));
  return out;
}

// Go's IP.DefaultMask: the classful prefix of an IPv4 address.
function defaultPrefix(ip: IPBytes): number {
  const first = ip[0]!;
  return first < 0x80 ? 8 : first < 0xc0 ? 16 : 24;
}

interface BlockRange {
  first: IPBytes;
  last: IPBytes;
  network: IPNetwork | undefined;
}

function mergeInput(v: Value): IPNetwork {
  if (typeof v !== 'string') fail('element must be string');
  const ip = parseIP(v);
  if (ip === undefined) {
    const network = parseCIDR(v);
    if (network === undefined) fail(`invalid CIDR address: ${v}`);
    return network;
  }
  if (ip.length === 4) return { ip, prefix: defaultPrefix(ip) };
  fail('IPv6 invalid: needs prefix length');
}

function previousIP(ip: IPBytes): IPBytes {
  if (ip.every((b) => b === 0)) return ip;
  return bigIntToIP(ipToBigInt(ip) - 1n, ip.length);
}

/** netaddr's range → CIDR decomposition. */
function rangeToNetworks(first: IPBytes, last: IPBytes): IPNetwork[] {
  const bits = first.length * 8;
  const out: IPNetwork[] = [];
  let start = ipToBigInt(first);
  const end = ipToBigInt(last);
  while (start <= end) {
    let prefix = bits;
    while (prefix > 0) {
      const size = 1n << BigInt(bits - prefix + 1);
      if (start % size !== 0n || start + size - 1n > end) break;
      prefix--;
    }
    out.push({ ip: bigIntToIP(start, first.length), prefix });
    start += 1n << BigInt(bits - prefix);
  }
  return out;
}

function merge(args: readonly Value[]): Value {
  const input = args[0]!;
  let items: readonly Value[];
  if (Array.isArray(input)) items = input as readonly Value[];
  else if (input instanceof RSet) items = input.sorted();
  else fail('operand must be an array');
  let ranges: BlockRange[] = items.map(mergeInput).map((network) => {
    const [first, last] = addressRange(network);
    return { first, last, network };
  });
  ranges.sort((a, b) => compareBytes(a.last, b.last) || compareBytes(a.first, b.first));
  for (let i = ranges.length - 1; i > 0; i--) {
    const current = ranges[i]!;
    const before = ranges[i - 1]!;
    if (compareBytes(previousIP(current.first), before.last) <= 0) {
      const first = compareBytes(before.first, current.first) < 0 ? before.first : current.first;
      ranges[i - 1] = { first, last: current.last, network: undefined };
      ranges = [...ranges.slice(0, i), ...ranges.slice(i + 1)];
    }
  }
  const out = new RSet();
  for (const r of ranges) {
    const networks = r.network !== undefined ? [r.network] : rangeToNetworks(r.first, r.last);
    for (const n of networks) out.add(formatNetwork(n));
  }
  return out;
}

/** The net.cidr_* builtins. */
export const netCidr: BuiltinTable = {
  'net.cidr_contains': [2, (args) => contains(networkArg(args, 1), stringArg(args, 2))],
  'net.cidr_intersects': [2, (args) => {
    const a = networkArg(args, 1);
    const b = networkArg(args, 2);
    return networkContains(a, b.ip) || networkContains(b, a.ip);
  }],
  'net.cidr_is_valid': [1, ([v]) => typeof v === 'string' && parseCIDR(v) !== undefined],
  'net.cidr_expand': [1, expand],
  'net.cidr_contains_matches': [2, containsMatches],
  'net.cidr_merge': [1, merge],
};

