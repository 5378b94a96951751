import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createToolRegistry } from './tool-registry.ts';

const registry = createToolRegistry({
  tools: [
    {
      name: 'email.send',
      actionClass: 'A3',
      effects: ['customer-visible'],
      audience: 'customer',
      consequential: { to: 'email', 'cc.*': 'email' },
    },
  ],
  egressAllowlist: ['*.example.com'],
});

describe('classify (properties)', () => {
  it('never throws on any JSON object and always keeps the declared class', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.constantFrom('email.send', 'unknown.tool'),
        (args, tool) => {
          const c = registry.classify({ tool, args });
          expect(c.actionClass).toBe(tool === 'email.send' ? 'A3' : 'A5');
          expect(c.detectedEffects.every((e) => !c.declaredEffects.includes(e))).toBe(true);
        },
      ),
      { seed: 3, numRuns: 300 },
    );
  });

  it('never echoes a detected key in its detections', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 16, maxLength: 16 }),
        fc.string(),
        (indexes, prose) => {
          const key = ['AKIA', indexes.map((i) => alphabet[i]).join('')].join('');
          const c = registry.classify({
            tool: 'email.send',
            args: { to: 'a@example.com', body: `${prose} ${key} ${prose}` },
          });
          expect(c.detections.some((d) => d.code === 'detect.secret')).toBe(true);
          expect(JSON.stringify(c.detections)).not.toContain(key);
        },
      ),
      { seed: 4, numRuns: 200 },
    );
  });
});
