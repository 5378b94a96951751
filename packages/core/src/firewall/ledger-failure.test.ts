/**
 * After the ledger has failed, the firewall knows nothing it releases can be recorded:
 * enforce refuses (fail closed) even for classes whose releases are written `batched`, and
 * basis can no longer be added. Basis on a healthy ledger does not wait for a batched flush.
 */
import { describe, expect, it } from 'vitest';
import { WritError } from '../errors.ts';
import { MemoryLedgerStore } from '../stores/memory-ledger-store.ts';
import type { EntryDraft, StoredEntry } from '../stores/types.ts';
import { createFirewall } from './create-firewall.ts';
import { allow, entries, firewallOptions, policyDouble } from './test-support.ts';

/** A memory ledger whose appends fail once `broken` is set. */
class BreakableLedger extends MemoryLedgerStore {
  broken = false;
  override append(drafts: readonly EntryDraft[]): Promise<StoredEntry[]> {
    if (this.broken) return Promise.reject(new WritError('ERR_STORE_IO', 'disk full'));
    return super.append(drafts);
  }
}

const session = { principal: { id: 'alice', tenant: 'acme' }, agent: { id: 'bot' } };
const send = (callId: string) => ({ tool: 'email.send', args: { to: 'a@b.example' }, callId });

describe('a failed ledger', () => {
  for (const mode of ['enforce', 'shadow'] as const) {
    it(`${mode}: a batched-class call after the ledger failed is ${mode === 'enforce' ? 'refused' : 'executed with a warning'}, with firewall.store-error`, async () => {
      const ledger = new BreakableLedger();
      const options = firewallOptions({ policy: policyDouble(() => allow), mode, durability: { default: 'batched' }, stores: { ...firewallOptions({ policy: policyDouble(() => allow) }).stores, ledger } });
      const firewall = await createFirewall(options);
      const s = await firewall.openSession(session);
      expect((await s.execute(send('c1'), () => 'ok')).status).toBe('executed');
      ledger.broken = true;
      // The next batch fails; the recorder keeps the failure.
      await s.addUserTurn('one more thing').catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 30));
      let ran = false;
      const result = await s.execute(send('c2'), () => void (ran = true));
      expect(result.guard.reasons.map((r) => r.code)).toContain('firewall.store-error');
      if (mode === 'enforce') {
        expect(result.status).toBe('blocked');
        expect(ran).toBe(false);
      } else {
        expect(result.status).toBe('executed');
        expect(result.guard.verdict === 'execute' && result.guard.warning).toMatch(/store|record/);
      }
    });
  }

  it('addBasis refuses with the ledger error once the ledger has failed', async () => {
    const ledger = new BreakableLedger();
    const base = firewallOptions({ policy: policyDouble(() => allow) });
    const firewall = await createFirewall({ ...base, durability: { default: 'batched' }, stores: { ...base.stores, ledger } });
    const s = await firewall.openSession(session);
    ledger.broken = true;
    await s.addUserTurn('first').catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 30));
    await expect(s.addUserTurn('second')).rejects.toMatchObject({ code: 'ERR_STORE_IO' });
  });
});

describe('basis on a healthy ledger', () => {
  it('does not wait for the batched flush, and is recorded in order before the next release', async () => {
    const base = firewallOptions({ policy: policyDouble(() => allow) });
    const firewall = await createFirewall({ ...base, durability: { default: 'batched', flushIntervalMs: 60_000 } });
    const s = await firewall.openSession(session);
    // With a one-minute flush interval, waiting for the flush would time the test out.
    const ref = await s.addUserTurn('send the summary to a@b.example');
    expect(ref.id).toMatch(/^instruction:/);
    expect((await s.execute(send('c1'), () => 'ok')).status).toBe('executed');
    await firewall.close();
    const types = (await entries(base.stores.ledger)).map((e) => e.type);
    expect(types.indexOf('basis-added')).toBeGreaterThan(-1);
    expect(types.indexOf('basis-added')).toBeLessThan(types.indexOf('decision-made'));
  });

  it('a malformed item is a rejection, not a synchronous throw', async () => {
    const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
    const s = await firewall.openSession(session);
    let pending: Promise<unknown> | undefined;
    expect(() => (pending = s.addBasis({ kind: 'nope' } as never))).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_BASIS_ITEM_INVALID' });
    await firewall.close();
  });
});
