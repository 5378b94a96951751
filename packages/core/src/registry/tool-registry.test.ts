import { describe, expect, it } from 'vitest';
import { createToolRegistry, parseToolRegistry } from './tool-registry.ts';

const tools = [
  {
    name: 'payments.transfer',
    actionClass: 'A5',
    effects: ['financial', 'external-write', 'irreversible'],
    audience: 'partner',
    consequential: { iban: 'iban', amount: 'amount', 'beneficiary.name': 'recipient' },
    sensitive: ['iban'],
    scope: 'amount',
  },
  {
    name: 'email.send',
    actionClass: 'A3',
    effects: ['customer-visible', 'external-write'],
    audience: 'customer',
    consequential: { to: 'email', 'cc.*': 'email' },
    opaque: ['attachment'],
    scope: 'cc',
  },
  {
    name: 'web.fetch',
    actionClass: 'A0',
    effects: ['read'],
    audience: 'none',
    consequential: { url: 'url' },
    egress: ['*.wikipedia.org'],
    trust: 'untrusted',
  },
  {
    name: 'crm.search',
    actionClass: 'A0',
    effects: ['read'],
    audience: 'none',
    tenant: 'tenant',
    bulkReadThreshold: 100,
  },
];
const registry = createToolRegistry({
  tools,
  egressAllowlist: ['api.bank.example', '*.example.com'],
});
const codes = (c: { detections: readonly { code: string }[] }): string[] =>
  c.detections.map((d) => d.code);

describe('createToolRegistry', () => {
  it('classifies a declared call with its consequential and sensitive arguments', () => {
    const c = registry.classify({
      tool: 'payments.transfer',
      args: {
        iban: 'DE89 3704 0044 0532 0130 00',
        amount: 120,
        beneficiary: { name: 'ACME GmbH' },
      },
    });
    expect(c).toMatchObject({
      registered: true,
      actionClass: 'A5',
      audience: 'partner',
      declaredEffects: ['financial', 'external-write', 'irreversible'],
      detectedEffects: [],
      scope: 120,
      sensitive: ['iban'],
    });
    expect(c.consequential).toEqual([
      { path: 'iban', kind: 'iban', value: 'DE89 3704 0044 0532 0130 00' },
      { path: 'amount', kind: 'amount', value: 120 },
      { path: 'beneficiary.name', kind: 'recipient', value: 'ACME GmbH' },
    ]);
    expect(c.detections).toEqual([]);
  });

  it('treats an unregistered tool as A5 with every argument consequential, unless configured otherwise', () => {
    const c = registry.classify({ tool: 'shell.exec', args: { to: 'a@b.example', n: 3 } });
    expect(c).toMatchObject({ registered: false, actionClass: 'A5', audience: 'public' });
    expect(codes(c)).toEqual(['detect.unregistered-tool']);
    expect(c.consequential.map((v) => [v.path, v.kind])).toEqual([
      ['to', 'email'],
      ['n', 'amount'],
    ]);
    const lenient = createToolRegistry({ tools: [], unregisteredClass: 'A2' });
    expect(lenient.classify({ tool: 'x', args: {} }).actionClass).toBe('A2');
  });

  it('detects egress the declaration does not admit, and respects the allowlists', () => {
    const c = registry.classify({
      tool: 'email.send',
      args: {
        to: 'x@y.example',
        body: 'Click https://evil.test/p?d=1 or https://www.example.com/help',
      },
    });
    expect(c.detections).toEqual([
      {
        code: 'detect.egress-host',
        effect: 'network-egress',
        argument: 'body',
        detail: 'evil.test',
        confidence: 'high',
      },
    ]);
    expect(c.detectedEffects).toEqual(['network-egress']);
    expect(c.hosts.map((h) => [h.host, h.allowed])).toEqual([
      ['evil.test', false],
      ['www.example.com', true],
    ]);
    const wiki = registry.classify({
      tool: 'web.fetch',
      args: { url: 'https://en.wikipedia.org/wiki/IBAN' },
    });
    expect(wiki.detections).toEqual([]);
  });

  it('always reports metadata endpoints and internal hosts', () => {
    const c = registry.classify({
      tool: 'web.fetch',
      args: { url: 'http://169.254.169.254/latest/meta-data/iam' },
    });
    expect(codes(c)).toEqual(['detect.metadata-endpoint']);
    const open = createToolRegistry({ tools, egressAllowlist: ['*'] });
    expect(
      codes(open.classify({ tool: 'web.fetch', args: { url: 'http://169.254.169.254/' } })),
    ).toEqual(['detect.metadata-endpoint']);
    expect(
      codes(registry.classify({ tool: 'web.fetch', args: { url: 'http://10.0.0.7:8080/admin' } })),
    ).toEqual(['detect.internal-host']);
  });

  it('detects secrets in arguments as an undeclared effect, naming the kind not the value', () => {
    const key = ['AKIA', 'IOSFODNN7EXAMPLE'].join('');
    const c = registry.classify({
      tool: 'email.send',
      args: { to: 'x@y.example', body: `here you go: ${key}` },
    });
    expect(c.detections).toEqual([
      {
        code: 'detect.secret',
        effect: 'secret-exposure',
        argument: 'body',
        detail: 'aws-access-key-id',
        confidence: 'high',
      },
    ]);
    expect(JSON.stringify(c.detections)).not.toContain(key);
  });

  it('skips the entropy heuristic on opaque arguments but still matches key patterns there', () => {
    const blob = '9xK2mQ7vR4tL8wZ1nB5cH3jF6dS0aG'.repeat(3);
    expect(
      codes(
        registry.classify({ tool: 'email.send', args: { to: 'x@y.example', attachment: blob } }),
      ),
    ).toEqual([]);
    expect(
      codes(registry.classify({ tool: 'email.send', args: { to: 'x@y.example', body: blob } })),
    ).toEqual(['detect.high-entropy']);
    const pem = ['-----BEGIN ', 'PRIVATE KEY-----'].join('');
    expect(
      codes(
        registry.classify({ tool: 'email.send', args: { to: 'x@y.example', attachment: pem } }),
      ),
    ).toEqual(['detect.secret']);
  });

  it('detects bulk reads with the per-tool threshold and reports the call tenant', () => {
    const c = registry.classify({ tool: 'crm.search', args: { tenant: 'acme', limit: 500 } });
    expect(codes(c)).toEqual(['detect.bulk-read']);
    expect(c.detectedEffects).toEqual(['bulk-read']);
    expect(c.tenant).toBe('acme');
    expect(
      codes(registry.classify({ tool: 'crm.search', args: { tenant: 'acme', limit: 50 } })),
    ).toEqual([]);
  });

  it('detects an external recipient in an internal tool only when internal domains are configured', () => {
    const tools = [
      { name: 'chat.post', actionClass: 'A2', effects: ['internal-write'], audience: 'internal' },
    ];
    const org = createToolRegistry({ tools, internalDomains: ['example.com', '*.example.com'] });
    const external = org.classify({
      tool: 'chat.post',
      args: { text: 'cc jane@example.com and leak@rival.test' },
    });
    expect(external.detections).toEqual([
      {
        code: 'detect.external-recipient',
        effect: 'customer-visible',
        argument: 'text',
        detail: 'rival.test',
        confidence: 'high',
      },
    ]);
    expect(external.detectedEffects).toEqual(['customer-visible']);
    expect(
      org.classify({ tool: 'chat.post', args: { text: 'ping ops@eu.example.com' } }).detections,
    ).toEqual([]);
    expect(
      createToolRegistry({ tools }).classify({
        tool: 'chat.post',
        args: { text: 'leak@rival.test' },
      }).detections,
    ).toEqual([]);
    expect(() => createToolRegistry({ tools, internalDomains: 'example.com' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });

  it('does not read an account number in a destination argument as a host', () => {
    const r = createToolRegistry({
      tools: [
        {
          name: 'ledger.move',
          actionClass: 'A4',
          effects: ['financial'],
          audience: 'internal',
          consequential: { destination: 'destination', host: 'host' },
        },
      ],
    });
    expect(
      r.classify({ tool: 'ledger.move', args: { destination: 'DE89370400440532013000' } })
        .detections,
    ).toEqual([]);
    expect(
      r.classify({ tool: 'ledger.move', args: { host: 'db' } }).detections.map((d) => d.code),
    ).toEqual(['detect.internal-host']);
  });

  it('does not flag an ordinary customer email', () => {
    const c = registry.classify({
      tool: 'email.send',
      args: {
        to: 'jane.doe@example.com',
        cc: ['ops@example.com'],
        subject: 'Your refund',
        body: 'Hi Jane, your refund of 120.50 EUR for order 4471 was issued today. Regards, Support',
      },
    });
    expect(c.detections).toEqual([]);
    expect(c.scope).toBe(1);
  });

  it('reports arguments too large to scan instead of scanning part of them', () => {
    let deep: Record<string, unknown> = { leaf: 'x' };
    for (let i = 0; i < 100; i++) deep = { d: deep };
    expect(codes(registry.classify({ tool: 'web.fetch', args: deep }))).toContain(
      'detect.arguments-too-large',
    );
  });

  it.each([
    [{ tool: 42, args: {} }, 'tool'],
    [{ tool: '', args: {} }, 'tool'],
    [{ tool: 'email.send', args: null }, 'args'],
    [{ tool: 'email.send', args: ['a'] }, 'args'],
    [{ tool: 'email.send', args: new Date() }, 'args'],
  ])('refuses malformed calls naming the parameter (%j)', (call, parameter) => {
    expect(() => registry.classify(call as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } }),
    );
  });

  it('treats a __proto__ argument key as data', () => {
    const args = JSON.parse('{"__proto__": {"to": "x@evil.test"}, "to": "a@b.example"}') as unknown;
    const c = registry.classify({ tool: 'email.send', args });
    expect(c.consequential).toEqual([{ path: 'to', kind: 'email', value: 'a@b.example' }]);
  });

  it.each([
    [{ tools: [{ ...tools[0], actionClass: 'A9' }] }, 'tools[0].actionClass'],
    [{ tools: [{ ...tools[0], effects: ['teleport'] }] }, 'tools[0].effects[0]'],
    [
      { tools: [{ ...tools[0], consequential: { iban: 'colour' } }] },
      'tools[0].consequential["iban"]',
    ],
    [{ tools: [{ ...tools[0], extra: true }] }, 'tools[0].extra'],
    [{ tools: [tools[0], tools[0]] }, 'tools[1].name'],
    [{ tools: ['x'] }, 'tools[0]'],
  ])('refuses invalid declarations naming the field', (options, parameter) => {
    expect(() => createToolRegistry(options as never)).toThrow(
      expect.objectContaining({ code: 'ERR_TOOL_DECLARATION_INVALID', details: { parameter } }),
    );
  });

  it('refuses malformed options', () => {
    expect(() => createToolRegistry(null as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => createToolRegistry({ tools: 'x' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => createToolRegistry({ tools: [], unregisteredClass: 'A7' } as never)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});

describe('parseToolRegistry', () => {
  it('reads a tools file as an object or a bare array', () => {
    expect(parseToolRegistry({ tools, egressAllowlist: ['a.example'] }).list()).toHaveLength(4);
    expect(parseToolRegistry(tools).get('email.send')?.actionClass).toBe('A3');
    expect(() => parseToolRegistry('tools')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
