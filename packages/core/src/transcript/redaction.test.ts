import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../canonical/canonicalize.ts';
import { WritError } from '../errors.ts';
import {
  FileVault,
  MAX_VAULT_ITEM_BYTES,
  MemoryVault,
  commitment,
  isCommitMarker,
  redact,
  verifyReveal,
} from './redaction.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;
if (!haveMkfifo) console.warn('SKIPPED: the FIFO vault-item test needs mkfifo (coreutils), which this platform lacks');

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (WritError.isInstance(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('redact', () => {
  it('replaces each sensitive field by a commit marker in place and returns the vault items', () => {
    const { body, items } = redact({
      body: { to: 'alice@example.com', amount: 10, meta: { iban: 'DE00' } },
      paths: [['to'], ['meta', 'iban']],
      salt: () => 'c2FsdA',
    });
    expect(body).toEqual({
      to: { $commit: commitment('alice@example.com', 'c2FsdA') },
      amount: 10,
      meta: { iban: { $commit: commitment('DE00', 'c2FsdA') } },
    });
    expect(items.map((item) => item.value)).toEqual(['alice@example.com', 'DE00']);
    expect(isCommitMarker(body.to)).toBe(true);
  });

  it('produces the same structure for the same value regardless of salt (deterministic markers)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const a = redact({ body: { field: value as never, keep: 1 }, paths: [['field']] }).body;
        const b = redact({ body: { field: value as never, keep: 1 }, paths: [['field']] }).body;
        const shape = (body: typeof a) => canonicalize({ ...body, field: { $commit: 'x' } });
        expect(shape(a)).toBe(shape(b));
        expect(isCommitMarker(a.field)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it('lets a holder of the value prove it and refuses any other value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (value, other) => {
        const { items } = redact({ body: { v: value as never }, paths: [['v']] });
        const item = items[0]!;
        expect(() => verifyReveal(item)).not.toThrow();
        if (canonicalize(other) !== canonicalize(value))
          expect(codeOf(() => verifyReveal({ ...item, value: other as never }))).toBe(
            'ERR_REDACTION_MISMATCH',
          );
        expect(codeOf(() => verifyReveal({ ...item, salt: `${item.salt}x` }))).toBe(
          'ERR_REDACTION_MISMATCH',
        );
      }),
      { numRuns: 50 },
    );
  });

  it('does not touch the caller object and keeps __proto__ keys as data', () => {
    const input = JSON.parse('{"__proto__":{"x":1},"secret":"s"}');
    const { body } = redact({ body: input, paths: [['__proto__'], ['secret']] });
    expect(input.secret).toBe('s');
    expect(Object.keys(body)).toEqual(['__proto__', 'secret']);
    expect(isCommitMarker((body as Record<string, unknown>)['__proto__'])).toBe(true);
  });

  it('rejects paths that name no field', () => {
    expect(codeOf(() => redact({ body: { a: 1 }, paths: [['b']] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => redact({ body: { a: 1 }, paths: [['a', 'b']] }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
    expect(codeOf(() => redact({ body: { a: 1 }, paths: [[]] }))).toBe('ERR_INVALID_ARGUMENT');
    expect(codeOf(() => redact({ body: { a: 1 }, paths: 'a' as never }))).toBe(
      'ERR_INVALID_ARGUMENT',
    );
  });
});

describe('MemoryVault', () => {
  it('returns items, and after erasure refuses with ERR_VAULT_ERASED', async () => {
    const vault = new MemoryVault();
    const [item] = redact({ body: { v: 'secret' }, paths: [['v']] }).items;
    await vault.put(item!);
    expect(await vault.get(item!.commitment)).toEqual(item);
    await vault.erase(item!.commitment);
    await expect(vault.get(item!.commitment)).rejects.toMatchObject({ code: 'ERR_VAULT_ERASED' });
    await vault.put(item!);
    await expect(vault.get(item!.commitment)).rejects.toMatchObject({ code: 'ERR_VAULT_ERASED' });
  });
  it('refuses an item whose value does not open its commitment', async () => {
    const [item] = redact({ body: { v: 'secret' }, paths: [['v']] }).items;
    await expect(new MemoryVault().put({ ...item!, value: 'other' })).rejects.toMatchObject({
      code: 'ERR_REDACTION_MISMATCH',
    });
  });
});

describe('FileVault', () => {
  it('keeps items on disk and erases them for good', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-vault-'));
    try {
      const vault = new FileVault(dir);
      const [item] = redact({ body: { v: { nested: [1, 2] } }, paths: [['v']] }).items;
      await vault.put(item!);
      expect(await new FileVault(dir).get(item!.commitment)).toEqual(item);
      await vault.erase(item!.commitment);
      await expect(new FileVault(dir).get(item!.commitment)).rejects.toMatchObject({
        code: 'ERR_VAULT_ERASED',
      });
      await expect(vault.get('sha256:nope')).rejects.toMatchObject({
        code: 'ERR_INVALID_ARGUMENT',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // A file in place of an item, made by `place` at its path; the vault and commitment to read it.
  async function vaultWith(place: (path: string) => Promise<void>): Promise<{ vault: FileVault; commitment: `sha256:${string}`; dir: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'writ-vault-odd-'));
    const hex = 'a'.repeat(64);
    await place(join(dir, `${hex}.json`));
    return { vault: new FileVault(dir), commitment: `sha256:${hex}`, dir };
  }

  it.skipIf(!haveMkfifo)('GAP: refuses a FIFO in place of an item at once instead of waiting for a writer', { timeout: 5_000 }, async () => {
    const { vault, commitment: id, dir } = await vaultWith((path) => {
      expect(spawnSync('mkfifo', [path]).status).toBe(0);
      return Promise.resolve();
    });
    try {
      await expect(vault.get(id)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind: 'fifo' } });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an oversize item unread, a directory and a link with ERR_STORE_CORRUPT; an erased one stays ERR_VAULT_ERASED', async () => {
    const cases: [(path: string) => Promise<void>, string][] = [
      [async (path) => {
        await writeFile(path, '');
        await truncate(path, MAX_VAULT_ITEM_BYTES + 1);
      }, 'too-large'],
      [(path) => mkdir(path), 'directory'],
      [async (path) => {
        await writeFile(`${path}.target`, '{}');
        await symlink(`${path}.target`, path);
      }, 'symbolic-link'],
    ];
    for (const [place, kind] of cases) {
      const { vault, commitment: id, dir } = await vaultWith(place);
      try {
        await expect(vault.get(id)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { kind } });
        // erase removes a file, not a directory placed there (its tombstone is written first).
        if (kind !== 'directory') await vault.erase(id);
        else await writeFile(join(dir, `${id.slice(7)}.erased`), '');
        await expect(vault.get(id)).rejects.toMatchObject({ code: 'ERR_VAULT_ERASED' });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  });

  it('reads back an item at the size limit and refuses to put one it could not read back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'writ-vault-large-'));
    try {
      const vault = new FileVault(dir);
      const [large] = redact({ body: { v: 'x'.repeat(MAX_VAULT_ITEM_BYTES - 200) }, paths: [['v']] }).items;
      await vault.put(large!);
      expect(await vault.get(large!.commitment)).toEqual(large);
      const [tooLarge] = redact({ body: { v: 'x'.repeat(MAX_VAULT_ITEM_BYTES) }, paths: [['v']] }).items;
      await expect(vault.put(tooLarge!)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'item.value' } });
      expect(await vault.get(tooLarge!.commitment)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
