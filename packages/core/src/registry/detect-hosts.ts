/**
 * Network destinations in arguments: URLs anywhere in any string, bare hosts in arguments
 * declared as `url`/`host`, and internal addresses (RFC 1918, loopback, link-local,
 * cloud metadata endpoints, `.internal`/`.local` names) even when they appear in free
 * text such as a shell command. Hosts are normalised by the WHATWG URL parser, so
 * `http://2852039166/` and `http://0xA9FEA9FE/` are both seen as 169.254.169.254.
 */
import { assertObject, assertString, assertStringArray } from './assert-input.ts';

/** Why a host counts as internal. */
export type InternalReason =
  'private-ip' | 'loopback' | 'link-local' | 'metadata' | 'internal-name' | 'single-label';

/** A network destination found in an argument. */
export interface HostObservation {
  /** Normalised host (lower case, IDN as punycode, IPv6 in brackets). */
  readonly host: string;
  /** Concrete argument path it was found in. */
  readonly argument: string;
  /** Set when the host is not reachable from the public internet. */
  readonly internal?: InternalReason;
}

const URL_IN_TEXT =
  /\b(?:https?|wss?|s?ftp|gopher|file):\/\/(?:[^\s<>"'`@/]*@)?(?:\[[0-9a-f:.]+\])?[^\s<>"'`)\]}]*/gi;
const IPV4_IN_TEXT = /(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])/g;
const INTERNAL_NAME_IN_TEXT =
  /(?<![\w.-])(?:[a-z0-9-]+\.)+(?:internal|local|localdomain|localhost|lan|intranet|corp|home\.arpa)(?![\w-])/gi;
const INTERNAL_SUFFIXES = [
  '.internal',
  '.local',
  '.localdomain',
  '.localhost',
  '.lan',
  '.intranet',
  '.corp',
  '.home.arpa',
];
const METADATA_HOSTS = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '100.100.100.200',
  '[fd00:ec2::254]',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
]);

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part))) return undefined;
  const octets = parts.map(Number);
  return octets.every((octet) => octet <= 255) ? octets : undefined;
}

function ipv4Reason(octets: readonly number[]): InternalReason | undefined {
  const [a = 0, b = 0] = octets;
  if (a === 127 || a === 0) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168))
    return 'private-ip';
  if (a === 100 && b >= 64 && b <= 127) return 'private-ip'; // RFC 6598 shared address space
  if (a === 169 && b === 254) return 'link-local';
  return undefined;
}

function ipv6Reason(host: string): InternalReason | undefined {
  const address = host.slice(1, -1);
  if (address === '::1' || address === '::') return 'loopback';
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const high = parseInt(mapped[1] ?? '0', 16);
    const low = parseInt(mapped[2] ?? '0', 16);
    return ipv4Reason([high >> 8, high & 255, low >> 8, low & 255]);
  }
  if (/^f[cd][0-9a-f]{0,2}:/.test(address)) return 'private-ip'; // fc00::/7 unique local
  if (/^fe[89ab][0-9a-f]?:/.test(address)) return 'link-local'; // fe80::/10
  return undefined;
}

/** Why `host` (already normalised) is internal, or `undefined` for a public host. */
export function internalReason(host: string): InternalReason | undefined {
  assertString(host, 'host');
  if (METADATA_HOSTS.has(host)) return 'metadata';
  if (host.startsWith('[')) return ipv6Reason(host);
  const octets = ipv4(host);
  if (octets) return ipv4Reason(octets);
  if (host === 'localhost') return 'loopback';
  if (INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return 'internal-name';
  if (!host.includes('.')) return 'single-label';
  return undefined;
}

/** Normalised host of a URL or bare host string, or `undefined` when it is neither. */
export function parseHost(value: string): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '' || text.length > 2048) return undefined;
  try {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
      return new URL(text).hostname.replace(/\.$/, '') || undefined;
    if (/^(?:\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::\d{1,5})?(?:\/\S*)?$/i.test(text)) {
      return new URL(`http://${text}`).hostname.replace(/\.$/, '') || undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function observe(host: string, argument: string): HostObservation {
  const internal = internalReason(host);
  return internal === undefined ? { host, argument } : { host, argument, internal };
}

/**
 * Hosts in one string: every URL, plus (when `asHost`) the whole value read as a host,
 * plus IPv4 literals and internal names anywhere in the text that are internal.
 */
export function detectHosts(
  text: string,
  options: { readonly argument: string; readonly asHost?: boolean },
): HostObservation[] {
  assertString(text, 'text');
  assertObject(options, 'options');
  assertString(options.argument, 'options.argument');
  const found = new Map<string, HostObservation>();
  const add = (host: string | undefined, onlyInternal = false): void => {
    if (host === undefined || found.has(host)) return;
    const observation = observe(host, options.argument);
    if (!onlyInternal || observation.internal !== undefined) found.set(host, observation);
  };
  if (options.asHost === true) add(parseHost(text));
  for (const match of text.matchAll(URL_IN_TEXT)) add(parseHost(match[0]));
  for (const match of text.matchAll(IPV4_IN_TEXT)) add(parseHost(match[0]), true);
  for (const match of text.matchAll(INTERNAL_NAME_IN_TEXT)) add(parseHost(match[0]), true);
  return [...found.values()];
}

/**
 * True when `host` matches an allowlist entry: `example.com` matches exactly,
 * `*.example.com` matches every subdomain (not the apex), `*` matches everything.
 */
export function hostAllowed(host: string, allowlist: readonly string[]): boolean {
  assertString(host, 'host');
  assertStringArray(allowlist, 'allowlist');
  const name = host.toLowerCase();
  return allowlist.some((entry) => {
    const pattern = entry.trim().toLowerCase().replace(/\.$/, '');
    if (pattern === '*') return true;
    if (pattern.startsWith('*.'))
      return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return name === pattern;
  });
}
