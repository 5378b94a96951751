import { describe, expect, it } from 'vitest';
import { makeBundle } from '../test/support/make-bundle.ts';
import { checkBundleRoots, checkRootOverlap } from './bundle-roots.ts';
import { readBundle } from './read-bundle.ts';

async function bundle(roots: string[] | undefined, members: { name: string; content: string }[]) {
  const manifest = roots === undefined ? [] : [{ name: '.manifest', content: JSON.stringify({ roots }) }];
  return readBundle(await makeBundle([...manifest, ...members]), { file: 'b.tar.gz' });
}

describe('checkBundleRoots', () => {
  it('accepts packages and data under the roots, including data that reaches a root from above', async () => {
    const read = await bundle(['writ', 'shared/tools'], [
      { name: 'writ/main.rego', content: 'package writ.rules\n\nx := 1\n' },
      { name: 'writ/data.json', content: '{"a":1}' },
      { name: 'data.json', content: '{"shared":{"tools":{"allowed":[]}},"writ":{"b":2}}' },
    ]);
    expect(() => checkBundleRoots(read, 'b.tar.gz')).not.toThrow();
    const everything = await bundle([''], [{ name: 'data.json', content: '{"any":1}' }, { name: 'x.rego', content: 'package any\n' }]);
    expect(() => checkBundleRoots(everything, 'b.tar.gz')).not.toThrow();
  });

  it('refuses data outside the roots', async () => {
    const read = await bundle(['writ'], [{ name: 'data.json', content: '{"writ":{},"tools":{"allowed":["shell"]}}' }]);
    expect(() => checkBundleRoots(read, 'b.tar.gz')).toThrow(
      expect.objectContaining({ code: 'ERR_POLICY_BUNDLE_INVALID', message: 'b.tar.gz: manifest roots ["writ"] do not permit data at /tools' }),
    );
    const sibling = await bundle(['shared/tools'], [{ name: 'data.json', content: '{"shared":{"people":[]}}' }]);
    expect(() => checkBundleRoots(sibling, 'b.tar.gz')).toThrow(/do not permit data at \/shared\/people/);
  });

  it('refuses a package outside the roots', async () => {
    const read = await bundle(['writ'], [{ name: 'evil/main.rego', content: '# comment\npackage other.writ\n' }]);
    expect(() => checkBundleRoots(read, 'b.tar.gz')).toThrow(/do not permit package other\.writ in evil\/main\.rego/);
  });
});

describe('checkRootOverlap', () => {
  it('allows disjoint roots and refuses nested or missing ones', () => {
    expect(() => checkRootOverlap([{ file: 'a', roots: ['writ/a'] }, { file: 'b', roots: ['writ/b', 'other'] }])).not.toThrow();
    expect(() => checkRootOverlap([{ file: 'a', roots: ['writ'] }, { file: 'b', roots: ['writ/b'] }])).toThrow(/a: roots overlap with b at \/writ/);
    expect(() => checkRootOverlap([{ file: 'a', roots: ['writ'] }, { file: 'b' }])).toThrow(/roots overlap/);
  });
});
