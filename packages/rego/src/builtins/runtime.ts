/**
 * Runtime builtins: opa.runtime (no runtime is attached to an embedded engine, so it is the
 * empty object, as OPA answers without one), http.send, which checks the request like
 * OPA and then refuses, and net.lookup_ip_addr for IP literals only: policies in Writ are
 * pure and must not reach the network.
 */
import type { Value } from '../value.ts';
import { RObject, RSet, toRegoString } from '../value.ts';
import type { BuiltinTable } from './define.ts';
import { fail } from './failure.ts';
import { formatIP, parseIP } from './ip-address.ts';
import { objectArg, operandError, stringArg } from './operands.ts';

// OPA's http.send request keys (topdown/http.go allowedKeyNames).
const allowedKeys = new Set([
  'method', 'url', 'body', 'enable_redirect', 'force_json_decode', 'force_yaml_decode', 'headers', 'raw_body',
  'tls_use_system_certs', 'tls_ca_cert', 'tls_ca_cert_file', 'tls_ca_cert_env_variable', 'tls_client_cert',
  'tls_client_cert_file', 'tls_client_cert_env_variable', 'tls_client_key', 'tls_client_key_file',
  'tls_client_key_env_variable', 'tls_insecure_skip_verify', 'tls_server_name', 'timeout', 'cache', 'force_cache',
  'force_cache_duration_seconds', 'raise_error', 'caching_mode', 'max_retry_attempts', 'cache_ignored_headers',
]);

function httpSend(args: readonly Value[]): Value {
  const request = objectArg(args, 1);
  const invalid = [...request.keys()].filter((k) => typeof k !== 'string' || !allowedKeys.has(k));
  if (invalid.length > 0) throw operandError(1, `invalid request parameters(s): ${toRegoString(new RSet(invalid))}`);
  const missing = ['method', 'url'].filter((k) => !request.has(k));
  if (missing.length > 0) throw operandError(1, `missing required request parameters(s): ${toRegoString(new RSet(missing))}`);
  fail('network access is disabled: Writ policies cannot send HTTP requests');
}

// Go's LookupIPAddr answers IP literals without a resolver; names would need DNS (or the
// host's /etc/hosts), which would make a decision depend on the machine: refused.
function lookupIPAddress(args: readonly Value[]): Value {
  const name = stringArg(args, 1);
  const ip = parseIP(name);
  if (ip === undefined) fail('name resolution is disabled: Writ policies cannot query DNS');
  return new RSet([formatIP(ip)]);
}

/** The runtime builtins. */
export const runtime: BuiltinTable = {
  'opa.runtime': [0, () => new RObject()],
  'http.send': [1, httpSend],
  'net.lookup_ip_addr': [1, lookupIPAddress],
};
