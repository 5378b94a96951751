/**
 * Authority of a basis item: canonical > verified > user > unverified > untrusted
 * (ARCHITECTURE.md "Basis integrity"), with the weights the basis score is built from.
 */
import type { BasisAuthority } from '../firewall/types.ts';

/** Authorities, strongest first. */
export const AUTHORITIES: readonly BasisAuthority[] = [
  'canonical',
  'verified',
  'user',
  'unverified',
  'untrusted',
];

/** Weight of each authority in the basis score (0…1). */
export const AUTHORITY_WEIGHT: Readonly<Record<BasisAuthority, number>> = Object.freeze({
  canonical: 1,
  verified: 0.8,
  user: 0.6,
  unverified: 0.3,
  untrusted: 0,
});

/** True when `value` is a {@link BasisAuthority}. */
export function isAuthority(value: unknown): value is BasisAuthority {
  return typeof value === 'string' && (AUTHORITIES as readonly string[]).includes(value);
}

/** 4 for canonical … 0 for untrusted. */
export function authorityRank(authority: BasisAuthority): number {
  return AUTHORITIES.length - 1 - AUTHORITIES.indexOf(authority);
}

/** The weaker of two authorities (laundering: a derived item is at most its weakest source). */
export function weakerAuthority(a: BasisAuthority, b: BasisAuthority): BasisAuthority {
  return authorityRank(a) <= authorityRank(b) ? a : b;
}
