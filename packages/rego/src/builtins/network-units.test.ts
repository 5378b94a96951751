import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromJSON, RSet } from '../value.ts';
import { call, callError, callValue, frozenContext } from './test-call.ts';

describe('units', () => {
  it('parses SI and binary suffixes exactly', () => {
    expect(call('units.parse', '1.1Ki')).toBe(1126.4);
    expect(call('units.parse', '500m')).toBe(0.5);
    expect(call('units.parse', '10Ei')).toBe(11529215046068469760n);
    expect(call('units.parse', '10KI')).toBe(10240);
    expect(call('units.parse', '"100TI"')).toBe(109951162777600);
    expect(call('units.parse', '.5K')).toBe(500);
    expect(call('units.parse_bytes', '1.1KiB')).toBe(1126);
    expect(call('units.parse_bytes', '100MIB')).toBe(104857600);
  });
  it('reports OPA’s errors', () => {
    expect(callError('units.parse', '').message).toBe('units.parse: no amount provided');
    expect(callError('units.parse', 'foo').message).toBe('units.parse: no amount provided');
    expect(callError('units.parse', '100 k').message).toBe('units.parse: spaces not allowed in resource strings');
    expect(callError('units.parse', '0.0.0').message).toBe('units.parse: could not parse amount to a number');
    expect(callError('units.parse', '1x').message).toBe('units.parse: unit x not recognized');
    expect(callError('units.parse_bytes', '1e9999999').message).toBe('units.parse_bytes: exponent too large');
  });
});

describe('net.cidr', () => {
  it('contains addresses and networks', () => {
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '10.1.0.0/16')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/24', '10.0.0.0/16')).toBe(false);
    expect(call('net.cidr_contains', '2001:db8::/32', '2001:db8:1::1')).toBe(true);
    expect(call('net.cidr_contains', '10.0.0.0/8', '::ffff:10.1.2.3')).toBe(true);
    expect(callError('net.cidr_contains', '10.0.0.0/33', '10.0.0.1').message).toBe(
      'net.cidr_contains: invalid CIDR address: 10.0.0.0/33',
    );
  });
  it('intersects, validates and expands', () => {
    expect(call('net.cidr_intersects', '192.168.0.0/16', '192.168.1.0/24')).toBe(true);
    expect(call('net.cidr_intersects', '10.0.0.0/24', '10.0.1.0/24')).toBe(false);
    expect(call('net.cidr_is_valid', '01.2.3.4/8')).toBe(false);
    expect(call('net.cidr_is_valid', 7)).toBe(false);
    expect(callValue('net.cidr_expand', ['192.168.1.0/30'])).toEqual(
      new RSet(['192.168.1.0', '192.168.1.1', '192.168.1.2', '192.168.1.3']),
    );
    expect(callError('net.cidr_expand', '10.0.0.0/8').code).toBe('eval_builtin_error');
  });
  it('merges like netaddr', () => {
    const merge = (list: string[]): RSet => callValue('net.cidr_merge', [fromJSON(list)]) as RSet;
    expect(merge(['192.0.2.112/30', '192.0.2.116/31', '192.0.2.118/31'])).toEqual(new RSet(['192.0.2.112/29']));
    expect(merge(['192.0.128.0/24', '0.0.0.0/0'])).toEqual(new RSet(['0.0.0.0/0']));
    expect(merge(['192.0.2.112/31', '192.0.2.116/31', '192.0.2.118/31'])).toEqual(
      new RSet(['192.0.2.112/31', '192.0.2.116/30']),
    );
    expect(merge(['2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64', '2601:600:8a80:207e:a57d:7567:e2c9:e7b3/128'])).toEqual(
      new RSet(['2601:600:8a80:207e::/64']),
    );
    expect(callError('net.cidr_merge', ['2601:600::1']).message).toBe('net.cidr_merge: IPv6 invalid: needs prefix length');
  });
  it('contains_matches reports index pairs', () => {
    expect(callValue('net.cidr_contains_matches', [fromJSON(['1.1.1.0/24', '2.2.2.0/24']), '1.1.1.128'])).toEqual(
      new RSet([[0, '1.1.1.128']]),
    );
    expect(callError('net.cidr_contains_matches', [[]], 'x').message).toBe(
      'net.cidr_contains_matches: operand 1: element must be string or non-empty array',
    );
  });
  it('merging a network with any of its own addresses changes nothing', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 255 }), (host) => {
      const merged = callValue('net.cidr_merge', [fromJSON(['10.0.0.0/24', `10.0.0.${host}/32`])]);
      return merged instanceof RSet && merged.size === 1 && merged.has('10.0.0.0/24');
    }));
  });
});

describe('semver', () => {
  it('validates and compares like go-semver', () => {
    expect(call('semver.is_valid', '1.0.0-rc.1+build.5')).toBe(true);
    expect(call('semver.is_valid', 'v1.0.0')).toBe(false);
    expect(call('semver.is_valid', 1)).toBe(false);
    expect(call('semver.compare', '1.0.0-alpha', '1.0.0')).toBe(-1);
    expect(call('semver.compare', '1.0.0-alpha.2', '1.0.0-alpha.10')).toBe(-1);
    expect(call('semver.compare', '1.10.0', '1.9.0')).toBe(1);
    expect(call('semver.compare', '1.0.0+a', '1.0.0+b')).toBe(0);
    expect(callError('semver.compare', '1', '1.0.0').message).toBe('semver.compare: operand 1: string "1" is not a valid SemVer');
  });
});

describe('uuid', () => {
  it('parses every accepted form and decodes version 2 fields', () => {
    expect(call('uuid.parse', '{00000000-0000-4000-8000-000000000000}')).toEqual({ variant: 'RFC4122', version: 4 });
    expect(call('uuid.parse', '6bea8ef2d3d33cd184e09bab06a52ece')).toEqual({ variant: 'RFC4122', version: 3 });
    expect(call('uuid.parse', 'urn:uuid:000003e8-48b9-21ee-b200-325096b39f47')).toEqual({
      clocksequence: 12800, domain: 'Person', id: 1000, macvariables: 'local:unicast',
      nodeid: '32-50-96-b3-9f-47', time: 1693566990121469600n, variant: 'RFC4122', version: 2,
    });
    expect(call('uuid.parse', 'not-a-uuid')).toBeUndefined();
  });
  it('rfc4122 is a v4 UUID, stable per key within one evaluation', () => {
    const ctx = frozenContext();
    const a = callValue('uuid.rfc4122', ['k'], ctx);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(callValue('uuid.rfc4122', ['k'], ctx)).toBe(a);
    expect(callValue('uuid.rfc4122', ['other'], ctx)).not.toBe(a);
  });
});

describe('crypto hashes', () => {
  it('matches known digests', () => {
    expect(call('crypto.md5', 'lorem ipsum')).toBe('80a751fde577028640c419000e33eba6');
    expect(call('crypto.sha1', 'lorem ipsum')).toBe('bfb7759a67daeb65410490b4d98bb9da7d1ea2ce');
    expect(call('crypto.sha256', 'lorem ipsum')).toBe('5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269');
    expect(call('crypto.hmac.sha256', 'message', 'key')).toBe('6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a');
    expect(call('crypto.hmac.equal', 'abc', 'abc')).toBe(true);
    expect(call('crypto.hmac.equal', 'abc', 'abd')).toBe(false);
    expect(callError('crypto.md5', 1).code).toBe('eval_type_error');
  });
});

describe('crypto.x509.parse_rsa_private_key', () => {
  it('returns the key as a JWK from PEM or base64 PEM', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ format: 'pem', type: 'pkcs1' }) as string;
    const jwk = privateKey.export({ format: 'jwk' });
    expect(call('crypto.x509.parse_rsa_private_key', pem)).toEqual(jwk);
    expect(call('crypto.x509.parse_rsa_private_key', Buffer.from(pem).toString('base64'))).toEqual(jwk);
    expect(callError('crypto.x509.parse_rsa_private_key', 'invalid').message).toContain('illegal base64');
    expect(callError('crypto.x509.parse_rsa_private_key', '').message).toContain('input PEM data was empty');
  });
});
