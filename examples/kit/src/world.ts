import { PrivateKey, createSigner, createTrustRoot, toBase64Url } from '@writ/core';
import type { KeyRole, Signer, TrustRoot } from '@writ/core';

/** The approvers every example and adapter test knows, by the business role they approve as. */
export const APPROVERS = [
  { owner: 'maria (support manager)', role: 'manager' },
  { owner: 'sam (security officer)', role: 'security-officer' },
  { owner: 'fiona (finance manager)', role: 'finance-manager' },
] as const;

/** Keys and the trust root of one run: an authority (also gateway and ledger) and the approvers. */
export interface World {
  readonly authority: Signer;
  readonly approvers: ReadonlyMap<string, Signer>;
  /** A key that is in nobody's trust root: what a forger signs with. */
  readonly outsider: Signer;
  readonly trustRoot: TrustRoot;
}

/** Fresh keys and a version-1 trust root listing them. */
export function createWorld(): World {
  const authority = createSigner(PrivateKey.generate());
  const approvers = new Map(APPROVERS.map((a) => [a.role, createSigner(PrivateKey.generate())] as const));
  const entry = (options: { signer: Signer; owner: string; roles: KeyRole[]; approvalRoles?: string[] }) => ({
    keyId: options.signer.keyId,
    publicKey: toBase64Url(options.signer.publicKey),
    roles: options.roles,
    owner: options.owner,
    validFrom: '2026-01-01T00:00:00Z',
    status: 'active' as const,
    ...(options.approvalRoles === undefined ? {} : { approvalRoles: options.approvalRoles }),
  });
  const trustRoot = createTrustRoot({
    type: 'writ.trust-root/v1',
    version: 1,
    issuedAt: '2026-01-01T00:00:00Z',
    threshold: 1,
    keys: [
      entry({ signer: createSigner(PrivateKey.generate()), owner: 'root', roles: ['root'] }),
      entry({ signer: authority, owner: 'writ firewall', roles: ['authority', 'gateway', 'ledger'] }),
      ...APPROVERS.map((a) => entry({ signer: approvers.get(a.role)!, owner: a.owner, roles: ['approver'], approvalRoles: [a.role] })),
    ],
  });
  return { authority, approvers, outsider: createSigner(PrivateKey.generate()), trustRoot };
}
