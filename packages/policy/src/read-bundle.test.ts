import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { makeBundle, makeTar } from '../test/support/make-bundle.ts';
import { readBundle } from './read-bundle.ts';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (error: unknown) => error,
  );
}

async function expectInvalid(bytes: Uint8Array | Promise<Uint8Array>, pattern: RegExp): Promise<void> {
  const error = await rejection(readBundle(await bytes, { file: 'b.tar.gz' }));
  expect(isWritError(error, 'ERR_POLICY_BUNDLE_INVALID')).toBe(true);
  expect((error as Error).message).toMatch(pattern);
}

describe('readBundle', () => {
  it('reads OPA-style absolute names, the manifest and leaves out signatures', async () => {
    const bytes = await makeBundle([
      { name: '/.manifest', content: JSON.stringify({ revision: 'r7', type: 'snapshot', roots: ['writ'], wasm: [{ entrypoint: 'writ/decision', module: '/policy.wasm' }] }) },
      { name: '/data.json', content: '{"a":1}' },
      { name: './writ/main.rego', content: 'package writ' },
      { name: 'writ/', type: 'directory' },
      { name: '/.signatures.json', content: '{}' },
    ]);
    const bundle = await readBundle(bytes, { file: 'b.tar.gz' });
    expect(bundle.manifest).toEqual({ revision: 'r7', roots: ['writ'], wasm: [{ entrypoint: 'writ/decision', module: '/policy.wasm' }] });
    expect(bundle.entries.map((entry) => [entry.path, entry.file])).toEqual([
      ['data.json', 'b.tar.gz!/data.json'],
      ['writ/main.rego', 'b.tar.gz!/writ/main.rego'],
    ]);
    expect(new TextDecoder().decode(bundle.entries[1]!.bytes)).toBe('package writ');
  });

  it('reads a bundle without a manifest', async () => {
    const bundle = await readBundle(await makeBundle([{ name: 'x.rego', content: 'package x' }]), { file: 'b' });
    expect(bundle.manifest).toEqual({});
    expect(bundle.entries).toHaveLength(1);
  });

  it('reads long names carried in PAX headers', async () => {
    const long = `${'deep/'.repeat(40)}policy with space=and equals.rego`;
    const bundle = await readBundle(await makeBundle([{ name: long, content: 'package x' }]), { file: 'b' });
    expect(bundle.entries[0]!.path).toBe(long);
  });

  it.each(['../evil.rego', 'writ/../../evil.rego', 'a/./b.rego', 'a//b.rego', 'a\\..\\b.rego', '/..'])('refuses the unsafe name %j', async (name) => {
    await expectInvalid(makeBundle([{ name, content: 'package x' }]), /unsafe entry name/);
  });

  it.each([
    ['symlink', 'symlink'],
    ['hard link', 'link'],
    ['fifo', 'fifo'],
  ] as const)('refuses a %s entry', async (_label, type) => {
    await expectInvalid(makeBundle([{ name: 'data.json', type, linkname: '/etc/passwd' }]), /only regular files/);
  });

  it('refuses duplicate names, including ones that differ only by a leading slash', async () => {
    await expectInvalid(
      makeBundle([
        { name: '/data.json', content: '{}' },
        { name: 'data.json', content: '{"allow":true}' },
      ]),
      /duplicate entry data\.json/,
    );
  });

  it('refuses bytes that are not gzip, and gzip that is not tar', async () => {
    await expectInvalid(new TextEncoder().encode('package writ'), /not a gzip archive/);
    await expectInvalid(new Uint8Array(gzipSync(Buffer.from('x'.repeat(2000)))), /not a valid tar archive/);
  });

  it('refuses a truncated archive', async () => {
    const tar = await makeTar([{ name: 'data.json', content: 'x'.repeat(5000) }]);
    await expectInvalid(new Uint8Array(gzipSync(tar.subarray(0, 2048))), /not a valid tar archive/);
  });

  it('refuses an archive that inflates past its budget', async () => {
    const bytes = await makeBundle([{ name: 'data.json', content: `{"a":"${'x'.repeat(100_000)}"}` }]);
    const error = await rejection(readBundle(bytes, { file: 'b', maxBytes: 10_000 }));
    expect(isWritError(error, 'ERR_POLICY_BUNDLE_INVALID')).toBe(true);
    expect((error as Error).message).toMatch(/inflates past 10000 bytes/);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['not an object', '[]', /must be an object/],
    ['a numeric revision', '{"revision":1}', /revision/],
    ['roots that are not strings', '{"roots":[1]}', /roots/],
    ['wasm entries without a module', '{"wasm":[{"entrypoint":"a"}]}', /wasm/],
    ['for Rego v0', '{"rego_version":0}', /rego_version 0 is not supported/],
    ['a delta bundle', '{"type":"delta"}', /type "delta" is not supported/],
  ])('refuses a manifest that is %s', async (_label, manifest, pattern) => {
    await expectInvalid(makeBundle([{ name: '.manifest', content: manifest }]), pattern);
  });

  it('refuses a non-Uint8Array argument', async () => {
    const error = await rejection(readBundle('bundle.tar.gz' as unknown as Uint8Array, { file: 'b' }));
    expect(isWritError(error, 'ERR_INVALID_ARGUMENT')).toBe(true);
  });
});
