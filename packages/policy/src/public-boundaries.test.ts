// Every public function of the package refuses malformed arguments with ERR_INVALID_ARGUMENT
// (naming the parameter) instead of letting a TypeError escape from inside.
import { describe, expect, it } from 'vitest';
import { isWritError } from '@writ/core';
import { checkPolicy, loadPolicy, loadRegoPolicy, loadWasmPolicy, mergeDataAt, parseDataFile, policyDigest, readBundle, runPolicyTests } from './index.ts';

async function invalidArgument(run: () => unknown): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (caught) {
    error = caught;
  }
  expect(isWritError(error, 'ERR_INVALID_ARGUMENT'), String(error)).toBe(true);
}

const hostile = [undefined, null, 42, 'x', [], () => 1, JSON.parse('{"__proto__":{"paths":["."]}}') as unknown];

describe('public boundaries', () => {
  it.each(hostile.map((value) => [value]))('loaders and runners refuse %j as options', async (value) => {
    await invalidArgument(() => loadRegoPolicy(value as never));
    await invalidArgument(() => loadWasmPolicy(value as never));
    await invalidArgument(() => loadPolicy(value as never));
    await invalidArgument(() => runPolicyTests(value as never));
    await invalidArgument(() => checkPolicy(value as never));
  });

  it('readBundle refuses non-bytes and bad options', async () => {
    await invalidArgument(() => readBundle('x' as never, { file: 'b' }));
    await invalidArgument(() => readBundle(new Uint8Array(1), null as never));
    await invalidArgument(() => readBundle(new Uint8Array(1), { file: 1 } as never));
    await invalidArgument(() => readBundle(new Uint8Array(1), { file: 'b', maxBytes: -1 }));
    await invalidArgument(() => readBundle(new Uint8Array(1), { file: 'b', maxBytes: Number.NaN }));
  });

  it('policyDigest refuses malformed input', async () => {
    const good = { engine: 'rego' as const, entrypoint: 'data.writ.decision', files: [], data: {} };
    for (const bad of [null, {}, { ...good, engine: 'opa' }, { ...good, files: 'x' }, { ...good, files: [{ path: 1, content: '' }] }, { ...good, files: [{ path: 'a', content: 3 }] }]) {
      await invalidArgument(() => policyDigest(bad as never));
    }
    expect(policyDigest(good)).toMatch(/^sha256:/);
  });

  it('parseDataFile and mergeDataAt refuse malformed arguments', async () => {
    await invalidArgument(() => parseDataFile('f', 42 as never, 'json'));
    await invalidArgument(() => parseDataFile('f', '{}', 'toml' as never));
    await invalidArgument(() => mergeDataAt(null as never, { segments: [], value: {}, file: 'f' }));
    await invalidArgument(() => mergeDataAt({}, { segments: 'a' as never, value: {}, file: 'f' }));
    await invalidArgument(() => mergeDataAt({}, { segments: [1] as never, value: {}, file: 'f' }));
    await invalidArgument(() => mergeDataAt({}, { segments: [], value: [] as never, file: 'f' }));
    await invalidArgument(() => mergeDataAt({}, null as never));
  });
});
