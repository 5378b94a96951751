/** The console entry: sign-in (approver token + own key, kept in this tab), hash routing between the screens. */
import { loadCredentials, saveCredentials } from './api.ts';
import type { Credentials } from './api.ts';
import { renderApprovals } from './approvals-view.ts';
import { h, mount } from './dom.ts';
import { renderShadow } from './shadow-view.ts';
import { renderTranscript } from './transcript-view.ts';
import { renderUnfinished } from './unfinished-view.ts';

const main = document.getElementById('main')!;

function signIn(): void {
  const token = h('input', { id: 'token', type: 'password', autocomplete: 'off' }) as HTMLInputElement;
  const seed = h('input', { id: 'seed', type: 'password', autocomplete: 'off' }) as HTMLInputElement;
  const role = h('input', { id: 'role', value: 'manager' }) as HTMLInputElement;
  const go = h('button', { id: 'sign-in', class: 'approve' }, 'Sign in');
  go.addEventListener('click', () => {
    saveCredentials({ token: token.value.trim(), seed: seed.value.trim(), role: role.value.trim() });
    void route();
  });
  mount(
    main,
    h('h2', {}, 'Sign in'),
    h('div', { class: 'card' }, h('label', { for: 'token' }, 'Approver API token'), token, h('label', { for: 'seed' }, 'Your approval key (base64url Ed25519 seed — it never leaves this page)'), seed, h('label', { for: 'role' }, 'Role you approve as'), role, h('p', {}, go)),
  );
}

async function route(): Promise<void> {
  const credentials: Credentials | undefined = loadCredentials();
  if (credentials === undefined) return signIn();
  document.getElementById('who')!.textContent = `approving as ${credentials.role}`;
  const screen = location.hash.replace(/^#\//, '') || 'approvals';
  for (const link of document.querySelectorAll('[data-nav]')) link.classList.toggle('active', link.getAttribute('data-nav') === screen);
  try {
    if (screen === 'transcript') await renderTranscript({ root: main, credentials });
    else if (screen === 'shadow') await renderShadow({ root: main, credentials });
    else if (screen === 'unfinished') await renderUnfinished({ root: main, credentials });
    else await renderApprovals({ root: main, credentials });
    main.setAttribute('data-ready', screen);
  } catch (error) {
    mount(main, h('div', { class: 'message bad' }, `Cannot load: ${error instanceof Error ? error.message : String(error)}`));
  }
}

window.addEventListener('hashchange', () => void route());
void route();
