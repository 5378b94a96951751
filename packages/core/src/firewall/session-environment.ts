/**
 * The environment of a session (what a replay must reproduce): model, tools with the
 * digests of their declarations, the firewall configuration and the policy. Its digest is
 * the `env` of every token the session releases.
 */
import { digest } from '../crypto/digest.ts';
import type { JsonObject, JsonValue, Sha256Digest } from '../stores/types.ts';
import type { EnvironmentBody } from '../transcript/entry-types.ts';
import type { FirewallSettings } from './firewall-options.ts';
import type { OpenSessionOptions } from './types.ts';

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Build the environment body of a session. */
export function sessionEnvironment(options: { readonly settings: FirewallSettings; readonly open: OpenSessionOptions }): EnvironmentBody {
  const { settings, open } = options;
  const facts: JsonObject = open.environment ?? {};
  const versions = typeof facts.toolVersions === 'object' && facts.toolVersions !== null && !Array.isArray(facts.toolVersions) ? (facts.toolVersions as JsonObject) : {};
  const model = open.agent.model ?? text(facts.model) ?? 'unknown';
  const revision = text(facts.modelRevision);
  const config = {
    audience: settings.audience,
    issuer: settings.issuer,
    modes: { config: settings.modes.config, env: settings.modes.env },
    tokenFreeClasses: [...settings.tokenFreeClasses].sort(),
    durability: (['A0', 'A1', 'A2', 'A3', 'A4', 'A5'] as const).map((c) => settings.durability.forClass(c)),
    egressAllowlist: [...settings.registry.egressAllowlist],
    budgets: settings.budgets,
    environment: facts,
  };
  return {
    model: revision === undefined ? { id: model } : { id: model, revision },
    tools: settings.registry.list().map((declaration) => ({
      name: declaration.name,
      version: text(Object.hasOwn(versions, declaration.name) ? versions[declaration.name] : undefined) ?? 'unversioned',
      definitionDigest: digest(JSON.parse(JSON.stringify(declaration)) as JsonValue),
    })),
    configDigest: digest(JSON.parse(JSON.stringify(config)) as JsonValue),
    policyDigest: settings.policy.digest as Sha256Digest,
  };
}
