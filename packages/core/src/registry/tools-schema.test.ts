import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parseToolRegistry } from './tool-registry.ts';

const schema = JSON.parse(
  readFileSync(new URL('../../../../schemas/writ.tools.v1.schema.json', import.meta.url), 'utf8'),
) as object;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

const good = {
  name: 'payments.transfer',
  actionClass: 'A5',
  effects: ['financial'],
  audience: 'partner',
  consequential: { iban: 'iban', 'items.*.amount': 'amount' },
  sensitive: ['iban'],
  trust: 'verified',
  egress: ['*.bank.example'],
  opaque: ['attachment'],
  bulkReadThreshold: 10,
  scope: 'items',
  tenant: 'tenant',
  description: 'Send money',
};

describe('writ.tools.v1 schema', () => {
  it.each([
    ['a bare array', [good]],
    [
      'an object with options',
      {
        tools: [good],
        egressAllowlist: ['a.example'],
        unregisteredClass: 'A4',
        bulkReadThreshold: 5,
      },
    ],
  ])('accepts %s, as does parseToolRegistry', (_name, file) => {
    expect(validate(file), JSON.stringify(validate.errors)).toBe(true);
    expect(() => parseToolRegistry(file)).not.toThrow();
  });

  it.each([
    ['unknown class', [{ ...good, actionClass: 'A6' }]],
    ['unknown effect', [{ ...good, effects: ['teleport'] }]],
    ['unknown argument kind', [{ ...good, consequential: { iban: 'colour' } }]],
    ['bad path', [{ ...good, sensitive: ['a..b'] }]],
    ['unknown field', [{ ...good, extra: 1 }]],
    ['missing audience', [{ name: 'x', actionClass: 'A0', effects: [] }]],
    ['unknown option', { tools: [], unregistered: 'A5' }],
  ])('rejects %s, as does parseToolRegistry', (_name, file) => {
    expect(validate(file)).toBe(false);
    expect(() => parseToolRegistry(file)).toThrow();
  });
});
