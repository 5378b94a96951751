/** The console's calls to the authority, with the approver's bearer token from the sign-in form. */

/** What the approver entered at sign-in (kept in sessionStorage, never sent except the token). */
export interface Credentials {
  readonly token: string;
  /** Base64url Ed25519 seed of the approver's own key: used only in this page to sign. */
  readonly seed: string;
  readonly role: string;
}

const KEY = 'writ.console.credentials';

/** The stored credentials, if any. */
export function loadCredentials(): Credentials | undefined {
  const text = sessionStorage.getItem(KEY);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as Credentials;
  } catch {
    return undefined;
  }
}

/** Store the credentials for this tab. */
export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(KEY, JSON.stringify(credentials));
}

/** An authority error with its stable code. */
export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(options: { code: string; message: string; status: number }) {
    super(options.message);
    this.code = options.code;
    this.status = options.status;
  }
}

/** GET or POST JSON to the authority. */
export async function api<T>(options: { path: string; credentials: Credentials; body?: unknown }): Promise<{ status: number; json: T }> {
  const response = await fetch(options.path, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${options.credentials.token}`, ...(options.body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const json = (await response.json()) as T & { error?: { code: string; message: string } };
  if (!response.ok && response.status !== 422) {
    throw new ApiError({ code: json.error?.code ?? 'ERR_HTTP', message: json.error?.message ?? response.statusText, status: response.status });
  }
  return { status: response.status, json };
}
