import { describe, expect, it } from 'vitest';
import { detectHosts, hostAllowed, internalReason, parseHost } from './detect-hosts.ts';

describe('detectHosts', () => {
  it('finds every URL host in free text', () => {
    const hosts = detectHosts(
      'see https://Evil.Example.com/x?d=1 and http://api.partner.io:8443/v1',
      { argument: 'body' },
    );
    expect(hosts).toEqual([
      { host: 'evil.example.com', argument: 'body' },
      { host: 'api.partner.io', argument: 'body' },
    ]);
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254', 'metadata'],
    ['http://2852039166/latest', '169.254.169.254', 'metadata'],
    ['http://0xA9FEA9FE/latest', '169.254.169.254', 'metadata'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata.google.internal', 'metadata'],
    ['http://[fd00:ec2::254]/latest', '[fd00:ec2::254]', 'metadata'],
    ['http://10.0.0.5/admin', '10.0.0.5', 'private-ip'],
    ['http://172.20.1.1/', '172.20.1.1', 'private-ip'],
    ['http://192.168.1.1/', '192.168.1.1', 'private-ip'],
    ['http://127.0.0.1:6379/', '127.0.0.1', 'loopback'],
    ['http://[::1]/', '[::1]', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]', 'loopback'],
    ['http://[fe80::1]/', '[fe80::1]', 'link-local'],
    ['http://localhost:3000/', 'localhost', 'loopback'],
    ['https://billing.internal/api', 'billing.internal', 'internal-name'],
    ['http://printer.local/', 'printer.local', 'internal-name'],
    ['http://intranet/', 'intranet', 'single-label'],
  ])('marks %s as internal', (url, host, reason) => {
    expect(detectHosts(url, { argument: 'url' })[0]).toEqual({
      host,
      argument: 'url',
      internal: reason,
    });
  });

  it('finds internal addresses in shell commands and config text', () => {
    const hosts = detectHosts('curl -s 10.1.2.3:9200/_all && psql -h db.prod.internal', {
      argument: 'command',
    });
    expect(hosts.map((h) => [h.host, h.internal])).toEqual([
      ['10.1.2.3', 'private-ip'],
      ['db.prod.internal', 'internal-name'],
    ]);
  });

  it('sees the real host behind userinfo and homograph tricks', () => {
    expect(
      detectHosts('https://api.example.com@evil.test/x', { argument: 'u' }).map((h) => h.host),
    ).toEqual(['evil.test']);
    const [homograph] = detectHosts('https://ex\u0430mple.com/login', { argument: 'u' });
    expect(homograph?.host).toBe('xn--exmple-4nf.com');
    expect(hostAllowed(homograph?.host ?? '', ['example.com'])).toBe(false);
  });

  it('reads a declared host argument as a host', () => {
    expect(detectHosts('files.example.org', { argument: 'host', asHost: true })).toEqual([
      { host: 'files.example.org', argument: 'host' },
    ]);
  });

  it('does not invent hosts in ordinary prose or public IPs and versions', () => {
    expect(
      detectHosts('Meet at 10.30 on Monday; version 1.2.3.4 is public.', { argument: 'body' }),
    ).toEqual([]);
    expect(detectHosts('Thanks for your order. Regards, support', { argument: 'body' })).toEqual(
      [],
    );
  });
});

describe('hostAllowed', () => {
  it('matches exact names and wildcard subdomains but not the apex or lookalikes', () => {
    const allow = ['api.example.com', '*.trusted.io'];
    expect(hostAllowed('api.example.com', allow)).toBe(true);
    expect(hostAllowed('API.EXAMPLE.COM', allow)).toBe(true);
    expect(hostAllowed('eu.trusted.io', allow)).toBe(true);
    expect(hostAllowed('trusted.io', allow)).toBe(false);
    expect(hostAllowed('eviltrusted.io', allow)).toBe(false);
    expect(hostAllowed('api.example.com.evil.net', allow)).toBe(false);
    expect(hostAllowed('anything', ['*'])).toBe(true);
    expect(hostAllowed('anything', [])).toBe(false);
  });
});

describe('internalReason', () => {
  it('is undefined for public hosts', () => {
    expect(internalReason('example.com')).toBeUndefined();
    expect(internalReason('8.8.8.8')).toBeUndefined();
    expect(internalReason('172.32.0.1')).toBeUndefined();
  });
});

describe('parseHost', () => {
  it('returns undefined for non-hosts and oversized input', () => {
    expect(parseHost('')).toBeUndefined();
    expect(parseHost('hello world')).toBeUndefined();
    expect(parseHost(`http://${'a'.repeat(3000)}.com`)).toBeUndefined();
    expect(parseHost('http://[not-ipv6]/')).toBeUndefined();
  });
});
