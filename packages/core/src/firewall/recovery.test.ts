import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { MemoryApprovalStore } from '../stores/memory-approval-store.ts';
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
import { createFirewall } from './create-firewall.ts';
import { allow, entries, firewallOptions, policyDouble } from './test-support.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function reopen(dir: string) {
  const ledger = await FileLedgerStore.open({ dir });
  const options = firewallOptions({ policy: policyDouble(() => allow) });
  const firewall = await createFirewall({ ...options, stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() } });
  return { firewall, ledger };
}

describe('findUnfinishedReleases', () => {
  it('flags a release without an outcome after a crash between release and outcome, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-crash-'));
    dirs.push(dir);
    const child = spawnSync(process.execPath, ['--conditions=@writ/source', fileURLToPath(new URL('./crash-child.fixture.ts', import.meta.url)), dir], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.signal).toBe('SIGKILL');

    const first = await reopen(dir);
    const unfinished = first.firewall.unfinished();
    expect(unfinished).toHaveLength(1);
    expect(unfinished[0]).toMatchObject({ callId: 'c1' });
    const types = (await entries(first.ledger)).map((e) => e.type);
    // The release was durable before the tool ran: decision and token are on disk, the outcome is not.
    expect(types).toEqual(['session-started', 'decision-made', 'token-issued', 'release-unfinished']);
    await first.firewall.close();
    await first.ledger.close();

    const second = await reopen(dir);
    expect(second.firewall.unfinished()).toHaveLength(1);
    expect((await entries(second.ledger)).filter((e) => e.type === 'release-unfinished')).toHaveLength(1);
    await second.firewall.close();
    await second.ledger.close();
  });
});
