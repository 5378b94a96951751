/**
 * IP addresses and networks with Go's net package rules (as OPA's net.cidr_* builtins use
 * them): strict dotted IPv4 (no leading zeros), RFC 4291 IPv6 text, IPv4-mapped IPv6
 * addresses treated as IPv4, RFC 5952 output.
 */

/** An address as 4 (IPv4) or 16 (IPv6) bytes. */
export type IPBytes = Uint8Array;

/** A network: address bytes (possibly with host bits, as Go keeps them) and prefix length. */
export interface IPNetwork {
  readonly ip: IPBytes;
  readonly prefix: number;
}

function parseIPv4(s: string): IPBytes | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i]!;
    if (!/^(0|[1-9]\d{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIPv6(s: string): IPBytes | undefined {
  if (s.includes('%')) return undefined;
  let text = s;
  let tail: IPBytes | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseIPv4(text.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    for (const g of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const all = [...head, ...new Array<number>(fill).fill(0), ...rest];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  if (tail !== undefined) out.set(tail, 12);
  return out;
}

/** Go's IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address. */
export function to4(ip: IPBytes): IPBytes | undefined {
  if (ip.length === 4) return ip;
  for (let i = 0; i < 10; i++) if (ip[i] !== 0) return undefined;
  return ip[10] === 0xff && ip[11] === 0xff ? ip.slice(12) : undefined;
}

/** Go's net.ParseIP, with IPv4-mapped addresses reduced to 4 bytes. */
export function parseIP(s: string): IPBytes | undefined {
  const ip = s.includes(':') ? parseIPv6(s) : parseIPv4(s);
  if (ip === undefined) return undefined;
  return to4(ip) ?? ip;
}

/** Applies a prefix mask. */
export function maskIP(ip: IPBytes, prefix: number): IPBytes {
  const out = new Uint8Array(ip.length);
  for (let i = 0; i < ip.length; i++) {
    const bits = Math.max(0, Math.min(8, prefix - i * 8));
    out[i] = ip[i]! & ((0xff << (8 - bits)) & 0xff);
  }
  return out;
}

/** Go's net.ParseCIDR: the masked network, or undefined. */
export function parseCIDR(s: string): IPNetwork | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const address = s.slice(0, slash);
  const length = s.slice(slash + 1);
  // netip.ParseAddr keeps IPv4-mapped IPv6 addresses as 16 bytes here (prefix up to 128).
  const ip = address.includes(':') ? parseIPv6(address) : parseIPv4(address);
  if (ip === undefined || !/^\d+$/.test(length)) return undefined;
  const prefix = Number(length);
  if (prefix > ip.length * 8) return undefined;
  return { ip: maskIP(ip, prefix), prefix };
}

/** Go's IPNet.Contains. */
export function networkContains(network: IPNetwork, address: IPBytes): boolean {
  const ip = to4(address) ?? address;
  if (ip.length !== network.ip.length) return false;
  const masked = maskIP(ip, network.prefix);
  const base = maskIP(network.ip, network.prefix);
  return masked.every((b, i) => b === base[i]);
}

/** First and last address of a network. */
export function addressRange(network: IPNetwork): [IPBytes, IPBytes] {
  const first = maskIP(network.ip, network.prefix);
  const last = first.slice();
  for (let i = 0; i < last.length; i++) {
    const bits = Math.max(0, Math.min(8, network.prefix - i * 8));
    last[i] = last[i]! | (0xff >> bits);
  }
  return [first, last];
}

/** Go's bytes.Compare. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Address as an unsigned big integer, and back. */
export function ipToBigInt(ip: IPBytes): bigint {
  let n = 0n;
  for (const b of ip) n = (n << 8n) | BigInt(b);
  return n;
}

/** The address of `length` bytes whose value is `n`. */
export function bigIntToIP(n: bigint, length: number): IPBytes {
  const out = new Uint8Array(length);
  let v = n;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Go's IP.String: dotted IPv4, RFC 5952 IPv6. */
export function formatIP(ip: IPBytes): string {
  const v4 = to4(ip);
  if (v4 !== undefined) return [...v4].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i]! << 8) | ip[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/** Go's IPNet.String. */
export function formatNetwork(network: IPNetwork): string {
  return `${formatIP(network.ip)}/${network.prefix}`;
}
