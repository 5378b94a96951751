/**
 * Unfinished releases: calls the authority released but never learnt the outcome of (it
 * stopped between the release and the agent's report). Someone who checked the target records
 * what they found as a resolution signed in this page with their own key, as approvals are; the
 * authority verifies it and writes it to the transcript with the statement, the signing key as
 * resolver, and a `not-executed` outcome frees the budget the release held.
 */
import { PrivateKey, createSigner, fromBase64Url, signResolution } from '@writ/core';
import type { ResolutionOutcome } from '@writ/core';
import { api } from './api.ts';
import type { Credentials } from './api.ts';
import { h, mount } from './dom.ts';

interface UnfinishedItem {
  readonly tokenId: string;
  readonly callId: string;
  readonly sessionId: string;
  readonly tool: string;
  readonly releasedSeq: number;
}

/** Core's limit of a resolution's note. */
const MAX_NOTE = 4096;

function resolveForm(options: { item: UnfinishedItem; credentials: Credentials; done: (text: string) => void }): HTMLElement {
  const { item, credentials } = options;
  // No outcome is preselected: the person says what they found, a default would say it for them.
  const outcome = h(
    'select',
    { class: 'outcome', 'aria-label': 'outcome' },
    h('option', { value: '', selected: '', disabled: '' }, 'What did you find?'),
    h('option', { value: 'executed' }, 'executed (it happened)'),
    h('option', { value: 'not-executed' }, 'not executed (frees its budget)'),
  ) as HTMLSelectElement;
  const note = h('input', { class: 'note', placeholder: 'what you checked (a payment reference, the outbox)', maxlength: String(MAX_NOTE) }) as HTMLInputElement;
  const resolve = h('button', { class: 'approve resolve' }, `Sign and record as ${credentials.role}`);
  const message = h('div', { class: 'resolve-message' });
  outcome.addEventListener('change', () => mount(message));
  resolve.addEventListener('click', () => {
    void (async () => {
      if (outcome.value === '') return mount(message, h('div', { class: 'message bad' }, 'Choose what you found first.'));
      try {
        const text = note.value.trim().slice(0, MAX_NOTE);
        // Signed here, with the approver's own key; the authority only verifies it.
        const signer = createSigner(PrivateKey.fromSeed(fromBase64Url(credentials.seed, 'approver key')));
        const statement = signResolution({ signer, role: credentials.role, tokenId: item.tokenId, outcome: outcome.value as ResolutionOutcome, ...(text === '' ? {} : { note: text }), now: new Date() });
        const { status, json } = await api<{ error?: { code: string; message: string } }>({ path: `/v1/console/unfinished/${encodeURIComponent(item.tokenId)}/resolve`, credentials, body: { statement: statement.envelope } });
        // api() hands 422 back (an approval's refusal is a 422 answer): a statement that does not verify.
        if (status !== 200) return mount(message, h('div', { class: 'message bad' }, `Refused: ${json.error?.message ?? 'the authority did not record it'} (${json.error?.code ?? status})`));
        options.done(`Recorded: ${item.tool} call ${item.callId} ${outcome.value}`);
      } catch (error) {
        mount(message, h('div', { class: 'message bad' }, `Refused: ${error instanceof Error ? error.message : String(error)}`));
      }
    })();
  });
  return h('div', {}, h('div', { class: 'row resolve-row' }, outcome, note, h('div', { class: 'resolve-button' }, resolve)), message);
}

/** Render the unfinished releases into `root`, with `notice` (the last resolution) above them. */
export async function renderUnfinished(options: { root: HTMLElement; credentials: Credentials; notice?: string }): Promise<void> {
  const { root, credentials } = options;
  const { json } = await api<{ unfinished: UnfinishedItem[]; total: number }>({ path: '/v1/console/unfinished', credentials });
  const list = h('div', { id: 'unfinished' });
  if (json.total === 0) list.append(h('p', { class: 'muted' }, 'No release is waiting for its outcome.'));
  const done = (text: string): void => void renderUnfinished({ root, credentials, notice: text }).catch((error: unknown) => mount(root, h('div', { class: 'message bad' }, `Cannot load: ${error instanceof Error ? error.message : String(error)}`)));
  for (const item of json.unfinished) {
    list.append(
      h(
        'div',
        { class: 'card', 'data-token': item.tokenId },
        h('p', { class: 'summary' }, `${item.tool} · call ${item.callId}`),
        h('p', { class: 'muted' }, `session ${item.sessionId === '' ? '—' : item.sessionId} · token ${item.tokenId} · released at entry ${item.releasedSeq}`),
        resolveForm({ item, credentials, done }),
      ),
    );
  }
  mount(
    root,
    h('h2', {}, `Unfinished releases (${json.total})`),
    h('p', { class: 'muted' }, 'Released to an agent, outcome never reported: the authority stopped in between. Each counts as performed and its token is refused from now on. Check the target, then record what you found, signed with your key; the agent runs the call again under a new call id if needed.'),
    ...(options.notice === undefined ? [] : [h('div', { class: 'message ok', id: 'unfinished-notice' }, options.notice)]),
    ...(json.total > json.unfinished.length ? [h('p', { class: 'muted' }, `showing the oldest ${json.unfinished.length}`)] : []),
    list,
  );
}
