/**
 * Delegation only narrows: a child token may cover at most what its parent covers.
 * Shared by {@link delegateToken} (refuse to mint) and {@link verifyToken} (refuse to accept).
 */
import { WritError } from '../errors.ts';
import type { WritErrorCode } from '../errors.ts';
import { boundCovers, commandCovers, resourceCovers } from './scope.ts';
import type { ActionTokenPayload } from './token-payload.ts';

function refuse(code: WritErrorCode, what: string): never {
  throw new WritError(code, `delegated token is refused: ${what}`, { details: { field: what } });
}

function subset(child: readonly string[] | undefined, parent: readonly string[] | undefined): boolean {
  if (parent === undefined) return true;
  return child !== undefined && child.every((item) => parent.includes(item));
}

function atMost(child: number | undefined, parent: number | undefined): boolean {
  return parent === undefined || (child !== undefined && child <= parent);
}

function sameList(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}

/**
 * Throws unless `child` is a valid narrowing of `parent`.
 * @throws WritError `ERR_TOKEN_HOPS` (no hops left), `ERR_TOKEN_PARENT` (chain or time
 *   inconsistent), `ERR_DELEGATION_WIDENS` naming the widened field.
 */
export function assertNarrows(parent: ActionTokenPayload, child: ActionTokenPayload): void {
  const p = parent.constraints;
  const c = child.constraints;
  const parentHops = p.hops ?? 0;
  if (parentHops < 1) refuse('ERR_TOKEN_HOPS', 'constraints.hops');
  if ((c.hops ?? 0) > parentHops - 1) refuse('ERR_TOKEN_HOPS', 'constraints.hops');
  if (!sameList(child.act ?? [], [...(parent.act ?? []), parent.sub])) refuse('ERR_TOKEN_PARENT', 'act');
  if (child.iat < parent.iat || child.iat >= p.exp) refuse('ERR_TOKEN_PARENT', 'iat');
  if (!subset(child.aud, parent.aud)) refuse('ERR_DELEGATION_WIDENS', 'aud');
  if (!commandCovers(parent.cmd, child.cmd)) refuse('ERR_DELEGATION_WIDENS', 'cmd');
  if (!resourceCovers(parent.resource, child.resource)) refuse('ERR_DELEGATION_WIDENS', 'resource');
  if (parent.intent !== undefined && child.intent !== parent.intent) refuse('ERR_DELEGATION_WIDENS', 'intent');
  if (c.exp > p.exp) refuse('ERR_DELEGATION_WIDENS', 'constraints.exp');
  if ((c.nbf ?? child.iat) < (p.nbf ?? parent.iat)) refuse('ERR_DELEGATION_WIDENS', 'constraints.nbf');
  if ((c.maxUses ?? 1) > (p.maxUses ?? 1)) refuse('ERR_DELEGATION_WIDENS', 'constraints.maxUses');
  if (p.rate !== undefined && !(c.rate !== undefined && c.rate.count <= p.rate.count && c.rate.perSeconds >= p.rate.perSeconds)) {
    refuse('ERR_DELEGATION_WIDENS', 'constraints.rate');
  }
  if (!atMost(c.bytes?.request, p.bytes?.request)) refuse('ERR_DELEGATION_WIDENS', 'constraints.bytes.request');
  if (!atMost(c.bytes?.response, p.bytes?.response)) refuse('ERR_DELEGATION_WIDENS', 'constraints.bytes.response');
  for (const path of Object.keys(p.args ?? {})) {
    if (!boundCovers(p.args![path]!, c.args !== undefined && Object.hasOwn(c.args, path) ? c.args[path] : undefined)) {
      refuse('ERR_DELEGATION_WIDENS', `constraints.args.${path}`);
    }
  }
  if (!subset(c.region, p.region)) refuse('ERR_DELEGATION_WIDENS', 'constraints.region');
  if (c.secrets === true && p.secrets !== true) refuse('ERR_DELEGATION_WIDENS', 'constraints.secrets');
}
