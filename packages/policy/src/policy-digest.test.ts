import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '@writ/core';
import { policyDigest } from './policy-digest.ts';

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const base = { engine: 'rego' as const, entrypoint: 'data.writ.decision', data: { b: 1, a: [true] } };

describe('policyDigest', () => {
  it('matches the documented construction (known answer)', () => {
    const files = [
      { path: 'writ/z.rego', content: 'package writ' },
      { path: 'writ/a.rego', content: new TextEncoder().encode('package writ\nx := 1') },
    ];
    const document = {
      engine: 'rego',
      entrypoint: 'data.writ.decision',
      files: [
        { path: 'writ/a.rego', sha256: sha('package writ\nx := 1') },
        { path: 'writ/z.rego', sha256: sha('package writ') },
      ],
      data: `sha256:${sha('{"a":[true],"b":1}')}`,
    };
    expect(policyDigest({ ...base, files })).toBe(`sha256:${sha(canonicalize(document))}`);
  });

  it('does not depend on file order and changes with any content, path, data, engine or entrypoint', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ path: fc.string({ minLength: 1 }), content: fc.string() }), { selector: (file) => file.path, minLength: 1, maxLength: 6 }),
        fc.nat(),
        (files, seed) => {
          const digest = policyDigest({ ...base, files });
          expect(policyDigest({ ...base, files: [...files].reverse() })).toBe(digest);
          const index = seed % files.length;
          const changed = files.map((file, at) => (at === index ? { ...file, content: `${file.content} ` } : file));
          expect(policyDigest({ ...base, files: changed })).not.toBe(digest);
          const renamed = files.map((file, at) => (at === index ? { ...file, path: `${file.path}/x` } : file));
          expect(policyDigest({ ...base, files: renamed })).not.toBe(digest);
          expect(policyDigest({ ...base, files, data: { b: 2, a: [true] } })).not.toBe(digest);
          expect(policyDigest({ ...base, files, engine: 'wasm' })).not.toBe(digest);
          expect(policyDigest({ ...base, files, entrypoint: 'data.writ.other' })).not.toBe(digest);
        },
      ),
    );
  });

  it('refuses data JSON cannot represent', () => {
    expect(() => policyDigest({ ...base, files: [], data: { x: Number.NaN } })).toThrow(expect.objectContaining({ code: 'ERR_POLICY_DATA_INVALID' }));
  });
});
