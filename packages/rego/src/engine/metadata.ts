/**
 * `# METADATA` annotations: normalization (OPA's shapes for authors and related resources)
 * and the values of `rego.metadata.rule()` / `rego.metadata.chain()`, which are constants per
 * rule and therefore computed at compile time.
 * @packageDocumentation
 */
import type { Module, Rule } from '../lang/ast.ts';
import { fromJSON, type Value } from '../value.ts';

/** Annotations known to the compiler. */
export interface MetadataIndex {
  /** Package-scope annotations by package path (joined with "."), merged across modules. */
  readonly packages: Map<string, Value>;
  /** Subpackages-scope annotations by package path. */
  readonly subpackages: Map<string, Value>;
  /** Document-scope annotations by full rule path (joined with "."). */
  readonly documents: Map<string, Value>;
}

function author(a: unknown): unknown {
  if (typeof a !== 'string') return a;
  const m = /^\s*(.*?)\s*<([^>]+)>\s*$/.exec(a);
  if (m) return m[1] ? { name: m[1], email: m[2] } : { email: m[2] };
  return a.includes('@') && !a.includes(' ') ? { email: a.trim() } : { name: a.trim() };
}

/** Normalizes one annotation block into OPA's JSON shape. */
export function normalizeAnnotations(raw: Record<string, unknown>, defaultScope: string): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, v] of Object.entries(raw)) out[k] = v;
  out.scope = typeof raw.scope === 'string' ? raw.scope : defaultScope;
  if (Array.isArray(raw.authors)) out.authors = raw.authors.map(author);
  else if (raw.authors !== undefined) out.authors = [author(raw.authors)];
  if (Array.isArray(raw.related_resources)) {
    out.related_resources = raw.related_resources.map((r: unknown) => (typeof r === 'string' ? { ref: r } : r));
  }
  return out;
}

/** Collects package, subpackage and document annotations of all modules. */
export function indexMetadata(modules: readonly Module[]): MetadataIndex {
  const idx: MetadataIndex = { packages: new Map(), subpackages: new Map(), documents: new Map() };
  for (const m of modules) {
    const key = m.pkg.join('.');
    if (m.annotations) {
      const a = normalizeAnnotations(m.annotations, 'package');
      (a.scope === 'subpackages' ? idx.subpackages : idx.packages).set(key, fromJSON(a, 'annotations'));
    }
    for (const r of m.rules) {
      if (!r.annotations || r.annotations.scope !== 'document') continue;
      idx.documents.set(rulePath(m, r).join('.'), fromJSON(normalizeAnnotations(r.annotations, 'rule'), 'annotations'));
    }
  }
  return idx;
}

/** Static path of a rule (package path plus the static part of its head). */
export function rulePath(m: Module, r: Rule): string[] {
  const out = [...m.pkg];
  for (const t of r.ref) {
    if (t.t !== 'scalar' || typeof t.v !== 'string') break;
    out.push(t.v);
  }
  return out;
}

/** `rego.metadata.rule()` for a rule. */
export function ruleMetadata(idx: MetadataIndex, m: Module, r: Rule): Value {
  if (r.annotations && r.annotations.scope !== 'document') return fromJSON(normalizeAnnotations(r.annotations, 'rule'));
  return idx.documents.get(rulePath(m, r).join('.')) ?? fromJSON({});
}

/** `rego.metadata.chain()` for a rule: from the rule up to the root package. */
export function chainMetadata(idx: MetadataIndex, m: Module, r: Rule): Value {
  const path = rulePath(m, r);
  const entries: unknown[] = [];
  const first: Record<string, unknown> = { path };
  if (r.annotations && r.annotations.scope !== 'document') first.annotations = normalizeAnnotations(r.annotations, 'rule');
  entries.push(first);
  const doc = idx.documents.get(path.join('.'));
  if (doc !== undefined) entries.push({ path, annotations: doc });
  const pkg = idx.packages.get(m.pkg.join('.'));
  if (pkg !== undefined) entries.push({ path: [...m.pkg], annotations: pkg });
  for (let n = m.pkg.length; n >= 1; n--) {
    const sub = idx.subpackages.get(m.pkg.slice(0, n).join('.'));
    if (sub !== undefined) entries.push({ path: m.pkg.slice(0, n), annotations: sub });
  }
  return fromJSON(entries);
}
