/**
 * Child process for the crash test: releases a sync-durability call against a file ledger
 * and dies by SIGKILL inside the tool, between release and outcome.
 * Usage: node --conditions=@writ/source crash-child.fixture.ts DIR
 */
import { FileLedgerStore } from '../stores/file-ledger-store.ts';
import { MemoryApprovalStore } from '../stores/memory-approval-store.ts';
import { MemoryNonceStore } from '../stores/memory-nonce-store.ts';
import { createFirewall } from './create-firewall.ts';
import { allow, firewallOptions, policyDouble } from './test-support.ts';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: crash-child.fixture.ts DIR');
const ledger = await FileLedgerStore.open({ dir });
const options = firewallOptions({ policy: policyDouble(() => allow) });
const firewall = await createFirewall({ ...options, stores: { ledger, nonces: new MemoryNonceStore(), approvals: new MemoryApprovalStore() } });
const session = await firewall.openSession({ principal: { id: 'alice' }, agent: { id: 'bot' } });
await session.execute({ tool: 'email.send', args: { to: 'bob@example.com' }, callId: 'c1' }, () => {
  process.kill(process.pid, 'SIGKILL');
});
