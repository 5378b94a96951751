/**
 * `addToolOutput({ ..., atMost })`: an output no gate of the application produced (client-sent
 * history) counts at most as much as whoever sent it, never more than the tool's declared trust.
 */
import { describe, expect, it } from 'vitest';
import { AUTHORITIES } from '../basis/authority.ts';
import { createFirewall } from './create-firewall.ts';
import { TOOLS, allow, entries, firewallOptions, policyDouble } from './test-support.ts';

const tools = { tools: [...TOOLS, { name: 'crm.lookup', actionClass: 'A0', effects: ['read'], audience: 'self', trust: 'verified' }] };

async function recorded(atMost: unknown): Promise<unknown[]> {
  const options = firewallOptions({ policy: policyDouble(() => allow), tools });
  const firewall = await createFirewall(options);
  const session = await firewall.openSession({ principal: { id: 'alice' }, agent: { id: 'agent-1' } });
  await session.addToolOutput({ tool: 'crm.lookup', callId: 'c1', output: { iban: 'DE89' }, ...(atMost !== undefined && { atMost: atMost as never }) });
  await session.end();
  await firewall.close();
  return (await entries(options.stores.ledger)).filter((entry) => entry.type === 'basis-added').map((entry) => entry.body.authority);
}

describe('addToolOutput atMost', () => {
  it('caps the declared trust and never raises it', async () => {
    expect(await recorded(undefined)).toEqual(['verified']);
    expect(await recorded('user')).toEqual(['user']);
    expect(await recorded('untrusted')).toEqual(['untrusted']);
    // Above the declared trust: the declared trust stands.
    expect(await recorded('canonical')).toEqual(['verified']);
  });

  it('refuses a value that is not an authority, recording nothing', async () => {
    for (const bad of ['super', '', 1, null, {}]) await expect(recorded(bad)).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect(AUTHORITIES).toContain('user');
  });
});
