/** Approvals inbox: pending requests, their detail, and approval or rejection signed in this page with the approver's own key. */
import { PrivateKey, createSigner, fromBase64Url, signApproval, signRejection } from '@writ/core';
import type { Digest } from '@writ/core';
import { api } from './api.ts';
import type { Credentials } from './api.ts';
import { h, mount } from './dom.ts';

interface PendingItem {
  readonly id: string;
  readonly summary: string;
  readonly policyReason: string;
  readonly tool: string;
  readonly agent: string;
  readonly requestedAt: string;
}

interface Finding {
  readonly code: string;
  readonly text?: string;
  readonly severity?: string;
}

interface Detail extends PendingItem {
  readonly status: string;
  readonly intentDigest: Digest;
  readonly policyDigest: Digest;
  readonly rule: { readonly rule?: string; readonly roles?: string[]; readonly threshold?: number };
  readonly args: Record<string, unknown>;
  /** Keys of `args` the authority replaced by commitments (the tool's sensitive ones). */
  readonly committed?: readonly string[];
  readonly reasons: { code: string; text: string }[];
  readonly basis: { score?: number; threshold?: number; sufficient?: boolean; findings?: Finding[]; tainted?: string[] } | null;
  readonly statements: number;
  readonly expiresAt: string;
  /** On whose behalf, as the signed intent names it. */
  readonly principal?: string | null;
  readonly tenant?: string | null;
}

function argRows(args: Record<string, unknown>, committedKeys: readonly string[]): HTMLElement {
  return h(
    'table',
    {},
    ...Object.entries(args).map(([name, value]) => {
      // Only the keys the authority committed: an agent may send any value shaped like { commitment }.
      const committed = committedKeys.includes(name) && typeof value === 'object' && value !== null && typeof (value as { commitment?: unknown }).commitment === 'string';
      return h('tr', {}, h('th', {}, name), h('td', {}, committed ? h('span', { class: 'commitment', title: 'sensitive: shown as a commitment' }, `committed ${(value as { commitment: string }).commitment.slice(0, 23)}…`) : JSON.stringify(value)));
    }),
  );
}

function basisBlock(basis: Detail['basis']): HTMLElement {
  if (basis === null) return h('p', { class: 'muted' }, 'no basis report available');
  const findings = basis.findings ?? [];
  return h(
    'div',
    {},
    h('p', {}, h('span', { class: `badge ${basis.sufficient === true ? 'ok' : 'warn'}` }, basis.sufficient === true ? 'basis sufficient' : 'basis insufficient'), ` score ${basis.score ?? '?'} / ${basis.threshold ?? '?'}`),
    findings.length === 0 ? h('p', { class: 'muted' }, 'no findings') : h('ul', {}, ...findings.map((f) => h('li', {}, h('code', {}, f.code), f.text === undefined ? '' : ` — ${f.text}`))),
  );
}

async function showDetail(options: { root: HTMLElement; credentials: Credentials; id: string; back: () => void }): Promise<void> {
  const { root, credentials, id } = options;
  const { json: d } = await api<Detail>({ path: `/v1/approvals/${id}`, credentials });
  const message = h('div', { id: 'approval-message' });
  // Either statement is signed here, with the approver's own key; the authority only verifies it.
  const decide = (kind: 'approve' | 'reject'): void => {
    void (async () => {
      try {
        const signer = createSigner(PrivateKey.fromSeed(fromBase64Url(credentials.seed, 'approver key')));
        const scope = { signer, role: credentials.role, intent: d.intentDigest, policy: { digest: d.policyDigest, rule: d.rule.rule ?? 'approval' }, now: new Date(), summary: d.summary };
        const statement = kind === 'approve' ? signApproval(scope) : signRejection({ ...scope, ...(reason.value.trim() === '' ? {} : { reason: reason.value.trim().slice(0, 2048) }) });
        const { status, json } = await api<{ status: string; reasons: { code: string; text: string }[] }>({ path: `/v1/approvals/${id}`, credentials, body: { statement: statement.envelope } });
        const ok = status === 200 && json.status !== 'refused';
        mount(message, h('div', { class: `message ${ok ? 'ok' : 'bad'}` }, ok ? `Signed: request is ${json.status}` : `Refused: ${json.reasons.map((r) => r.text).join('; ')}`));
      } catch (error) {
        mount(message, h('div', { class: 'message bad' }, `Refused: ${error instanceof Error ? error.message : String(error)}`));
      }
    })();
  };
  const approve = h('button', { class: 'approve', id: 'approve' }, `Approve as ${credentials.role}`);
  approve.addEventListener('click', () => decide('approve'));
  const reject = h('button', { class: 'reject', id: 'reject' }, `Reject as ${credentials.role}`);
  reject.addEventListener('click', () => decide('reject'));
  const reason = h('input', { id: 'reject-reason', placeholder: 'reason for a rejection (optional)', maxlength: '2048', style: 'width: 24em; display: inline-block' }) as HTMLInputElement;
  const back = h('button', {}, '← Inbox');
  back.addEventListener('click', options.back);
  mount(
    root,
    h('h2', {}, 'Approval request'),
    h(
      'div',
      { class: 'card', id: 'approval-detail' },
      h('p', { class: 'summary' }, d.summary),
      h('div', { class: 'row' }, h('div', {}, h('h3', {}, 'Why the policy asks'), h('p', {}, d.policyReason), h('p', { class: 'muted' }, `rule ${d.rule.rule ?? '?'}: ${d.rule.threshold ?? 1} of [${(d.rule.roles ?? []).join(', ')}]`)), h('div', {}, h('h3', {}, 'Request'), h('p', { class: 'muted' }, `agent ${d.agent} · tool ${d.tool} · status ${d.status} · ${d.statements} signature(s)`), h('p', { class: 'muted', id: 'approval-principal' }, `on behalf of ${d.principal ?? '?'}${d.tenant === null || d.tenant === undefined ? '' : ` (tenant ${d.tenant})`}`), h('p', { class: 'muted' }, `expires ${d.expiresAt}`))),
      h('h3', {}, 'Arguments'),
      argRows(d.args, d.committed ?? []),
      h('h3', {}, 'Basis report'),
      basisBlock(d.basis),
      h('h3', {}, 'Intent digest you sign'),
      h('p', { class: 'digest' }, d.intentDigest),
      h('div', { class: 'row' }, h('div', {}, approve, ' ', reject, ' ', reason, ' ', back)),
      message,
    ),
  );
}

/** Render the inbox into `root`. */
export async function renderApprovals(options: { root: HTMLElement; credentials: Credentials }): Promise<void> {
  const { root, credentials } = options;
  const { json } = await api<{ approvals: PendingItem[] }>({ path: '/v1/approvals', credentials });
  const list = h('div', { id: 'inbox' });
  if (json.approvals.length === 0) list.append(h('p', { class: 'muted' }, 'Nothing is waiting for approval.'));
  for (const item of json.approvals) {
    const open = h('button', { 'data-request': item.id }, 'Review');
    open.addEventListener('click', () => void showDetail({ root, credentials, id: item.id, back: () => void renderApprovals(options) }));
    list.append(h('div', { class: 'card' }, h('p', { class: 'summary' }, item.summary), h('p', {}, item.policyReason), h('p', { class: 'muted' }, `${item.agent} · ${item.tool} · requested ${item.requestedAt}`), open));
  }
  mount(root, h('h2', {}, `Approvals inbox (${json.approvals.length} pending)`), list);
}
