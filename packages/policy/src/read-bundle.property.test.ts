import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WritError } from '@writ/core';
import { makeBundle, makeTar } from '../test/support/make-bundle.ts';
import { readBundle } from './read-bundle.ts';

const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_. =-]{0,20}$/).filter((s) => s !== '.' && s !== '..');
const safeName = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => parts.join('/'));

describe('readBundle (properties)', () => {
  it('returns exactly the files written under safe names', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ name: safeName, content: fc.uint8Array({ maxLength: 600 }) }), {
          selector: (file) => file.name,
          maxLength: 6,
        }).filter((files) => files.every((file) => file.name !== '.manifest' && file.name !== '.signatures.json')),
        fc.constantFrom('', '/', './'),
        async (files, prefix) => {
          const bundle = await readBundle(await makeBundle(files.map((file) => ({ name: prefix + file.name, content: file.content }))), { file: 'b' });
          expect(bundle.entries.map((entry) => [entry.path, Buffer.from(entry.bytes).toString('hex')])).toEqual(
            files.map((file) => [file.name, Buffer.from(file.content).toString('hex')]),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses any name with a .. segment wherever it sits', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 3 }), fc.array(segment, { maxLength: 3 }), async (before, after) => {
        const name = [...before, '..', ...after].join('/');
        await expect(readBundle(await makeBundle([{ name, content: 'x' }]), { file: 'b' })).rejects.toThrow(
          expect.objectContaining({ code: 'ERR_POLICY_BUNDLE_INVALID' }),
        );
      }),
      { numRuns: 40 },
    );
  });

  it('throws only ERR_POLICY_BUNDLE_INVALID on corrupted archives', async () => {
    const tar = await makeTar([
      { name: '.manifest', content: '{"revision":"1"}' },
      { name: 'data.json', content: '{"a":1}' },
      { name: 'writ/main.rego', content: 'package writ' },
    ]);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.nat({ max: tar.length - 1 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        const corrupted = new Uint8Array(tar);
        for (const [at, byte] of edits) corrupted[at] = byte;
        try {
          await readBundle(new Uint8Array(gzipSync(corrupted)), { file: 'b' });
        } catch (error) {
          expect(WritError.isInstance(error) && error.code === 'ERR_POLICY_BUNDLE_INVALID').toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('throws only ERR_POLICY_BUNDLE_INVALID on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), async (bytes, gzip) => {
        try {
          await readBundle(gzip ? new Uint8Array(gzipSync(bytes)) : bytes, { file: 'b' });
        } catch (error) {
          expect(WritError.isInstance(error) && error.code === 'ERR_POLICY_BUNDLE_INVALID').toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
