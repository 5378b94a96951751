/**
 * Adversarial review of symbolic links in a store directory. The attacker can write the
 * directory (a shared volume, a misconfigured permission) but not the files it links to: a link
 * planted where `entries.jsonl`, a checkpoint, the `checkpoints/` or `witnessed/` folder, an
 * approval record or a writer's temporary file belongs would redirect a writer's appends and
 * writes into another file, or make a verifier read another file than the directory holds.
 * Writers and readers refuse a link (`ERR_STORE_CORRUPT`, naming the file) instead of following
 * it; the directory itself may be a link (a deployment's `/var/lib/writ -> /data/writ`).
 *
 * Cases marked GAP were followed before the fix; the rest stay as regression tests.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeSampleTranscript } from '../transcript/sample-transcript.ts';
import { WITNESSED_DIR, openTranscriptDirectory, saveWitnessedCheckpoint } from '../transcript/transcript-directory.ts';
import { verifyTranscript } from '../transcript/verify-transcript.ts';
import { FileApprovalStore } from './file-approval-store.ts';
import { CHECKPOINTS_DIR, ENTRIES_FILE, FileLedgerStore } from './file-ledger-store.ts';
import { LOCK_FILE } from './file-lock.ts';
import { FileNonceStore } from './file-nonce-store.ts';

const haveMkfifo = spawnSync('mkfifo', ['--version']).status === 0;

let root: string;
let sample: string;
let counter = 0;
const VICTIM_TEXT = 'the victim file: not the store\'s to write\n';

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'writ-symlink-'));
  sample = join(root, 'sample');
  const store = await FileLedgerStore.open({ dir: sample });
  await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
  await store.close();
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

// A copy of the sample transcript and a file outside it that a link may point at.
async function copyWithVictim(): Promise<{ dir: string; victim: string }> {
  const dir = join(root, `copy-${counter}`);
  const victim = join(root, `victim-${counter++}`);
  await cp(sample, dir, { recursive: true });
  await writeFile(victim, VICTIM_TEXT);
  return { dir, victim };
}

describe('a symbolic link where a store file belongs', () => {
  // GAP: the writer opened entries.jsonl with O_CREAT and no O_NOFOLLOW: its appends (and the
  // pre-written zeros, and the truncation of a torn tail) landed in whatever the link named.
  it('as entries.jsonl: a writer refuses to open it, naming the file, and the linked file is untouched', async () => {
    const { dir, victim } = await copyWithVictim();
    await rm(join(dir, ENTRIES_FILE));
    await symlink(victim, join(dir, ENTRIES_FILE));
    const refusal = await FileLedgerStore.open({ dir }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: join(dir, ENTRIES_FILE) } });
    expect((refusal as Error).message).toMatch(/symbolic link/u);
    expect(await readFile(victim, 'utf8')).toBe(VICTIM_TEXT);
    // A dangling link too: O_CREAT would have created the file it names.
    const dangling = join(root, `dangling-${counter++}`);
    const empty = join(root, `empty-${counter++}`);
    await mkdir(empty);
    await symlink(dangling, join(empty, ENTRIES_FILE));
    await expect(FileLedgerStore.open({ dir: empty })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await expect(readFile(dangling)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  // GAP: readers followed it: `writ verify` of one directory checked another file's entries.
  it('as entries.jsonl: a read-only store and openTranscriptDirectory (writ verify) refuse it, naming the file', async () => {
    const { dir } = await copyWithVictim();
    const elsewhere = join(root, `elsewhere-${counter++}.jsonl`);
    await cp(join(dir, ENTRIES_FILE), elsewhere);
    await rm(join(dir, ENTRIES_FILE));
    await symlink(elsewhere, join(dir, ENTRIES_FILE));
    await expect(FileLedgerStore.open({ dir, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: join(dir, ENTRIES_FILE) } });
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: join(dir, ENTRIES_FILE) } });
  });

  // GAP: a checkpoint file that is a link was read through.
  it('as a checkpoint file: writers and readers refuse it', async () => {
    const { dir } = await copyWithVictim();
    const name = join(dir, CHECKPOINTS_DIR, '0000000000000004.json');
    const elsewhere = join(root, `checkpoint-${counter++}.json`);
    await cp(name, elsewhere);
    await rm(name);
    await symlink(elsewhere, name);
    await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: name } });
    await expect(FileLedgerStore.open({ dir, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: name } });
  });

  // GAP: a linked checkpoints/ folder took the writer's checkpoint records elsewhere.
  it('as the checkpoints/ folder: writers and readers refuse it', async () => {
    const { dir } = await copyWithVictim();
    const elsewhere = join(root, `checkpoints-${counter++}`);
    await cp(join(dir, CHECKPOINTS_DIR), elsewhere, { recursive: true });
    await rm(join(dir, CHECKPOINTS_DIR), { recursive: true });
    await symlink(elsewhere, join(dir, CHECKPOINTS_DIR));
    await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: join(dir, CHECKPOINTS_DIR) } });
    await expect(FileLedgerStore.open({ dir, readOnly: true })).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  // GAP: putCheckpoint wrote `<size>.json.tmp-<pid>` with a plain open('w'): a link planted at that
  // predictable name was followed and the file it named truncated and overwritten.
  it("at a checkpoint's temporary name: the writer never writes through it", async () => {
    const dir = join(root, `fresh-${counter}`);
    const victim = join(root, `victim-${counter++}`);
    await writeFile(victim, VICTIM_TEXT);
    await mkdir(join(dir, CHECKPOINTS_DIR), { recursive: true });
    for (let size = 1; size <= 20; size++) {
      await symlink(victim, join(dir, CHECKPOINTS_DIR, `${String(size).padStart(16, '0')}.json.tmp-${process.pid}`));
    }
    const store = await FileLedgerStore.open({ dir });
    const { trustRoot } = await writeSampleTranscript({ store, calls: 2, policy: { everyEntries: 4 } });
    await store.close();
    expect(await readFile(victim, 'utf8')).toBe(VICTIM_TEXT);
    const directory = await openTranscriptDirectory(dir);
    expect(await verifyTranscript({ ...directory, trustRoot })).toMatchObject({ valid: true });
  });

  // GAP: saveWitnessedCheckpoint created the folder with mkdir -p (a link to a folder satisfies
  // it) and wrote the note into the folder the link named.
  it('as the witnessed/ folder or a witnessed note: refused', async () => {
    const { dir } = await copyWithVictim();
    const elsewhere = join(root, `witnessed-${counter++}`);
    await mkdir(elsewhere);
    await symlink(elsewhere, join(dir, WITNESSED_DIR));
    const reader = await FileLedgerStore.open({ dir: sample, readOnly: true });
    const note = (await reader.latestCheckpoint())!.note;
    await reader.close();
    await expect(saveWitnessedCheckpoint(dir, note)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT', details: { path: join(dir, WITNESSED_DIR) } });
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await rm(join(dir, WITNESSED_DIR));
    await mkdir(join(dir, WITNESSED_DIR));
    const kept = join(root, `note-${counter++}`);
    await writeFile(kept, note);
    await symlink(kept, join(dir, WITNESSED_DIR, '0000000000000009.note'));
    await expect(openTranscriptDirectory(dir)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
  });

  // GAP: the approval store's temporary `<digest>.json.tmp-<pid>` was opened with open('w'), and a
  // record that is a link was read through.
  it("as an approval record or at its temporary name: the approval store neither reads nor writes through it", async () => {
    const dir = join(root, `approvals-${counter}`);
    const victim = join(root, `victim-${counter++}`);
    await writeFile(victim, VICTIM_TEXT);
    await mkdir(dir);
    const digest = `sha256:${'ab'.repeat(32)}` as const;
    await symlink(victim, join(dir, `${'ab'.repeat(32)}.json.tmp-${process.pid}`));
    const store = await FileApprovalStore.open({ dir });
    const now = new Date('2026-01-01T00:00:00Z');
    await store.request({ intentDigest: digest, requestedAt: now, expiresAt: new Date(now.getTime() + 60_000), request: { tool: 'x' } });
    expect(await readFile(victim, 'utf8')).toBe(VICTIM_TEXT);
    expect(await store.get(digest)).toMatchObject({ status: 'pending' });
    const other = `sha256:${'cd'.repeat(32)}` as const;
    await symlink(join(dir, `${'ab'.repeat(32)}.json`), join(dir, `${'cd'.repeat(32)}.json`));
    await expect(store.get(other)).rejects.toMatchObject({ code: 'ERR_STORE_CORRUPT' });
    await store.close();
  });

  it('the store directory itself may be a link (a deployment moving its data elsewhere)', async () => {
    const { dir } = await copyWithVictim();
    const link = join(root, `link-${counter++}`);
    await symlink(dir, link);
    const store = await FileLedgerStore.open({ dir: link });
    await store.append([{ type: 'note', time: '2026-01-01T01:00:00.000Z', body: {} }]);
    await store.close();
    await expect(openTranscriptDirectory(link)).resolves.toMatchObject({ checkpoints: expect.any(Array) as unknown });
  });
});

describe.skipIf(!haveMkfifo)('a FIFO where a lock or a nonce file belongs', () => {
  // GAP: the lock owner was read with readFile, which waits on a FIFO forever.
  it('as writer.lock: FileLedgerStore.open answers ERR_STORE_LOCKED instead of hanging', { timeout: 5_000 }, async () => {
    const { dir } = await copyWithVictim();
    expect(spawnSync('mkfifo', [join(dir, LOCK_FILE)]).status).toBe(0);
    await expect(FileLedgerStore.open({ dir })).rejects.toMatchObject({ code: 'ERR_STORE_LOCKED' });
  });

  // GAP: purgeExpired read each use file with readFile.
  it('as a nonce use file: purgeExpired skips it instead of hanging', { timeout: 5_000 }, async () => {
    const dir = join(root, `nonces-${counter++}`);
    const store = await FileNonceStore.open({ dir });
    await store.consume({ id: 'token-1', expiresAt: new Date('2026-01-01T00:00:00Z') });
    expect(spawnSync('mkfifo', [join(dir, 'ab'.repeat(32))]).status).toBe(0);
    expect(await store.purgeExpired(new Date('2026-06-01T00:00:00Z'))).toBe(1);
    await store.close();
  });
});
