/**
 * A representative action-firewall policy (deny-by-default for high-risk classes, approvals,
 * taint checks, allowlists via sets) and the same logic as a plain TypeScript function.
 */

/** The Rego policy under benchmark. */
export const POLICY = `package writ

import rego.v1

high_classes := {"payment", "delete", "external_email", "deploy"}

allowed_tools := {"search", "read_file", "send_email", "transfer_funds", "create_ticket"}

trusted_domains := {"example.com", "corp.example.com"}

default decision := {"allow": false, "reasons": ["no decision"]}

decision := {"allow": true, "reasons": []} if count(deny) == 0

decision := {"allow": false, "reasons": sort([r | some r in deny])} if count(deny) > 0

deny contains "tool not allowlisted" if not input.action.tool in allowed_tools

deny contains "high-risk action requires approval" if {
	input.action.class in high_classes
	not approved
}

deny contains "tainted argument in high-risk action" if {
	input.action.class in high_classes
	some arg in input.action.args
	arg.taint == "untrusted"
}

deny contains "recipient domain not trusted" if {
	input.action.tool == "send_email"
	domain := split(input.action.args.to.value, "@")[1]
	not domain in trusted_domains
}

approved if {
	some a in input.approvals
	a.action_id == input.action.id
	a.status == "granted"
	a.approver != input.actor.id
}
`;

/** A realistic input: a payment with a granted approval and clean arguments. */
export const INPUT = {
  actor: { id: 'agent-7', tenant: 't-1' },
  action: {
    id: 'act-42',
    tool: 'transfer_funds',
    class: 'payment',
    args: {
      amount: { value: 1250.5, taint: 'trusted' },
      iban: { value: 'DE89370400440532013000', taint: 'trusted' },
      memo: { value: 'invoice 2026-11', taint: 'trusted' },
    },
  },
  approvals: [
    { action_id: 'act-41', status: 'granted', approver: 'alice' },
    { action_id: 'act-42', status: 'granted', approver: 'bob' },
  ],
};

interface Arg {
  value: unknown;
  taint: string;
}
interface Input {
  actor: { id: string };
  action: { id: string; tool: string; class: string; args: Record<string, Arg> };
  approvals: Array<{ action_id: string; status: string; approver: string }>;
}

const HIGH = new Set(['payment', 'delete', 'external_email', 'deploy']);
const TOOLS = new Set(['search', 'read_file', 'send_email', 'transfer_funds', 'create_ticket']);
const DOMAINS = new Set(['example.com', 'corp.example.com']);

/** The same decision logic as a plain TypeScript function (the floor). */
export function decideTs(input: Input): { allow: boolean; reasons: string[] } {
  const deny = new Set<string>();
  const a = input.action;
  if (!TOOLS.has(a.tool)) deny.add('tool not allowlisted');
  const high = HIGH.has(a.class);
  if (high) {
    const approved = input.approvals.some(
      (x) => x.action_id === a.id && x.status === 'granted' && x.approver !== input.actor.id,
    );
    if (!approved) deny.add('high-risk action requires approval');
    if (Object.values(a.args).some((x) => x.taint === 'untrusted')) deny.add('tainted argument in high-risk action');
  }
  if (a.tool === 'send_email') {
    const to = a.args.to?.value;
    const domain = typeof to === 'string' ? to.split('@')[1] : undefined;
    if (domain !== undefined && !DOMAINS.has(domain)) deny.add('recipient domain not trusted');
  }
  return deny.size === 0 ? { allow: true, reasons: [] } : { allow: false, reasons: [...deny].sort() };
}
