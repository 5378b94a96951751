import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeBundle } from '../test/support/make-bundle.ts';
import { opaTestWasm } from '../test/support/opa-test-module.ts';
import { tempTree } from '../test/support/temp-tree.ts';
import { loadPolicy } from './load-policy.ts';

describe('loadPolicy', () => {
  it('picks wasm for .wasm files and wasm bundles, Rego for everything else', async () => {
    const wasm = await opaTestWasm();
    const root = await tempTree({ 'policy.wasm': wasm, 'p/main.rego': 'package writ\n\ndecision := {"tool": input.tool}\n' });
    await writeFile(join(root, 'wasm.tar.gz'), await makeBundle([{ name: '/policy.wasm', content: wasm }, { name: '/data.json', content: '{"d":1}' }]));
    await writeFile(join(root, 'rego.tar.gz'), await makeBundle([{ name: '/writ/main.rego', content: 'package writ\n\ndecision := data.d\n' }, { name: '/data.json', content: '{"d":2}' }]));

    const fromWasm = await loadPolicy({ paths: ['policy.wasm'], cwd: root });
    expect(fromWasm.source.engine).toBe('wasm');
    expect(fromWasm.evaluateSync({ tool: 'a' })).toEqual({ input: { tool: 'a' }, data: {} });
    const fromWasmBundle = await loadPolicy({ paths: ['wasm.tar.gz'], cwd: root });
    expect(fromWasmBundle.evaluateSync(1)).toEqual({ input: 1, data: { d: 1 } });
    const fromRego = await loadPolicy({ paths: ['p'], cwd: root });
    expect(fromRego.source.engine).toBe('rego');
    expect(fromRego.evaluateSync({ tool: 'a' })).toEqual({ tool: 'a' });
    expect((await loadPolicy({ paths: ['rego.tar.gz'], cwd: root })).evaluateSync({})).toBe(2);
  });

  it('refuses wasm mixed with other paths and empty path lists', async () => {
    const root = await tempTree({ 'policy.wasm': await opaTestWasm(), 'p/main.rego': 'package writ\n\ndecision := 1\n' });
    await expect(loadPolicy({ paths: ['policy.wasm', 'p'], cwd: root })).rejects.toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(loadPolicy({ paths: [] })).rejects.toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
    await expect(loadPolicy(null as never)).rejects.toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }));
  });
});
