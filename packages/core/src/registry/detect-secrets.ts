/**
 * Secret and credential detection in argument strings. Known key formats are matched by
 * pattern (high confidence); anything else that looks like a random token is reported as
 * `high-entropy` (lower confidence). Results name the kind of secret, never its value.
 * The false-positive behaviour of each detector is documented in the core README.
 */
import { assertString } from './assert-input.ts';

/** Kinds of secret the detector recognises. */
export type SecretKind =
  | 'aws-access-key-id'
  | 'aws-secret-access-key'
  | 'github-token'
  | 'slack-token'
  | 'slack-webhook'
  | 'openai-api-key'
  | 'anthropic-api-key'
  | 'stripe-secret-key'
  | 'google-api-key'
  | 'private-key'
  | 'jwt'
  | 'authorization-header'
  | 'credential-assignment'
  | 'credential-field'
  | 'high-entropy';

/** One secret found in a string: its kind and confidence, never the value. */
export interface SecretMatch {
  readonly kind: SecretKind;
  readonly confidence: 'high' | 'low';
}

const PATTERNS: readonly (readonly [SecretKind, RegExp])[] = [
  ['aws-access-key-id', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/],
  [
    'aws-secret-access-key',
    /aws.{0,20}?(?:secret|private).{0,20}?[:=]\s*["']?[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i,
  ],
  ['github-token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/],
  ['slack-token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/],
  ['slack-webhook', /hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/],
  ['anthropic-api-key', /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{32,}/],
  [
    'openai-api-key',
    /\bsk-(?:(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})/,
  ],
  ['stripe-secret-key', /\b[sr]k_live_[A-Za-z0-9]{24,}/],
  ['google-api-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/],
  ['private-key', /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/],
  ['jwt', /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/],
  ['authorization-header', /\b(?:Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{16,}/],
];

// `password: hunter2hunter2`, `api_key="..."`: a credential-like name assigned a value.
const ASSIGNMENT =
  /\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key)\b["']?\s*[:=]\s*["']?([^\s"',;]{8,})/i;

// Argument names whose value is a credential whatever it looks like.
const CREDENTIAL_KEY =
  /^(?:password|passwd|pwd|passphrase|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|refresh[_-]?token|private[_-]?key|authorization|x-api-key)$/i;

// Values that are obviously placeholders, not credentials.
const PLACEHOLDER =
  /^(?:\*+|x+|<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[A-Z_]+%|redacted|changeme|example|placeholder|none|null|undefined)$/i;

const URL_PATH = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#]+)[^\s?#]*/gi;

// Candidate random tokens for the entropy heuristic (base64/base62/base64url alphabets).
const TOKEN = /[A-Za-z0-9+/_=-]{20,}/g;

/** Shannon entropy of `text` in bits per character. */
export function shannonEntropy(text: string): number {
  assertString(text, 'text');
  if (text.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * True when `token` looks machine-random: at least 20 characters, upper case, lower case
 * and digits in at least two separate runs (identifiers like `ReleaseNotes2024` have one),
 * and entropy of at least 0.8 × log2(min(length, 62)) bits per character.
 */
export function isHighEntropyToken(token: string): boolean {
  assertString(token, 'token');
  const core = token.replace(/^[+/=_-]+|[+/=_-]+$/g, '');
  if (core.length < 20 || !/[A-Z]/.test(core) || !/[a-z]/.test(core)) return false;
  if ((core.match(/\d+/g) ?? []).length < 2) return false;
  return shannonEntropy(core) >= 0.8 * Math.log2(Math.min(core.length, 62));
}

/**
 * Secrets in one string. `key` is the argument name the string sits under (a value under
 * `password` or `apiKey` is a credential whatever it looks like).
 */
export function detectSecrets(text: string, key = ''): SecretMatch[] {
  assertString(text, 'text');
  assertString(key, 'key');
  const found: SecretMatch[] = [];
  for (const [kind, pattern] of PATTERNS)
    if (pattern.test(text)) found.push({ kind, confidence: 'high' });
  const assigned = ASSIGNMENT.exec(text)?.[1];
  if (assigned !== undefined && !PLACEHOLDER.test(assigned))
    found.push({ kind: 'credential-assignment', confidence: 'high' });
  const value = text.trim();
  if (CREDENTIAL_KEY.test(key) && value.length >= 8 && !PLACEHOLDER.test(value)) {
    found.push({ kind: 'credential-field', confidence: 'high' });
  }
  if (found.length === 0) {
    // URL paths are left out: document and object ids there are random by design, while a
    // credential in a URL travels in the query (signed URLs, `?token=`), which is kept.
    for (const token of text.replace(URL_PATH, '$1 ').matchAll(TOKEN)) {
      if (isHighEntropyToken(token[0])) {
        found.push({ kind: 'high-entropy', confidence: 'low' });
        break;
      }
    }
  }
  return found;
}
