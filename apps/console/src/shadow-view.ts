/** Shadow dashboard: what enforce would have blocked or sent to approval, by reason, tool and agent. */
import { api } from './api.ts';
import type { Credentials } from './api.ts';
import { h, mount } from './dom.ts';
import { countBy, parseEntries, wouldHave } from './transcript-model.ts';
import type { TranscriptPayload } from './transcript-view.ts';

function chart(title: string, rows: { label: string; block: number; approval: number }[]): HTMLElement {
  const max = Math.max(1, ...rows.map((r) => r.block + r.approval));
  return h(
    'div',
    { class: 'card bars' },
    h('h3', {}, title),
    rows.length === 0 ? h('p', { class: 'muted' }, 'nothing') : null,
    ...rows.slice(0, 12).map((r) =>
      h(
        'div',
        { class: 'bar' },
        h('span', { title: r.label }, r.label.length > 32 ? `${r.label.slice(0, 31)}…` : r.label),
        h('span', { style: 'display:flex' }, h('span', { class: 'fill block', style: `width:${(100 * r.block) / max}%` }), h('span', { class: 'fill approval', style: `width:${(100 * r.approval) / max}%` })),
        h('strong', {}, r.block + r.approval),
      ),
    ),
  );
}

/** Render the dashboard into `root`. */
export async function renderShadow(options: { root: HTMLElement; credentials: Credentials }): Promise<void> {
  const { json } = await api<TranscriptPayload>({ path: '/v1/transcript', credentials: options.credentials });
  const entries = parseEntries(json.entries, json.from);
  const items = wouldHave(entries);
  const times = entries.map((e) => e.time).filter((t) => t !== '').sort();
  const blocks = items.filter((i) => i.kind === 'block').length;
  mount(
    options.root,
    h('h2', {}, 'Shadow dashboard'),
    h('p', { class: 'muted' }, `${times[0] ?? '—'} to ${times.at(-1) ?? '—'} · decisions recorded in shadow or advisory mode that enforce would have stopped`),
    h('div', { class: 'row', id: 'shadow-totals' }, h('div', { class: 'card' }, h('h3', {}, 'Would have been blocked'), h('p', { style: 'font-size:28px;margin:0;color:var(--bad)' }, blocks)), h('div', { class: 'card' }, h('h3', {}, 'Would have needed approval'), h('p', { style: 'font-size:28px;margin:0;color:var(--warn)' }, items.length - blocks))),
    h('p', { class: 'legend' }, h('span', {}, h('i', { style: 'background:var(--bad)' }), 'would block'), h('span', {}, h('i', { style: 'background:#bf8700' }), 'would need approval')),
    chart('By reason', countBy(items, (i) => i.reasons)),
    h('div', { class: 'row' }, chart('By tool', countBy(items, (i) => [i.tool])), chart('By agent', countBy(items, (i) => [i.agent]))),
  );
}
