import { describe, expect, it } from 'vitest';
import { actionClassRank } from './action-class.ts';
import { selectArgumentValues } from './argument-path.ts';
import { classifyToolCall } from './classify-tool-call.ts';
import { detectBulkRead } from './detect-bulk-read.ts';
import { detectHosts, hostAllowed, internalReason, parseHost } from './detect-hosts.ts';
import { detectSecrets, isHighEntropyToken, shannonEntropy } from './detect-secrets.ts';
import { createToolRegistry } from './tool-registry.ts';

const registry = createToolRegistry({ tools: [] });

describe('registry helpers on malformed input', () => {
  it.each([
    ['detectSecrets', () => detectSecrets(null as never), 'text'],
    ['detectSecrets key', () => detectSecrets('x', 5 as never), 'key'],
    ['isHighEntropyToken', () => isHighEntropyToken({} as never), 'token'],
    ['shannonEntropy', () => shannonEntropy(1 as never), 'text'],
    ['detectHosts', () => detectHosts(undefined as never, { argument: 'a' }), 'text'],
    ['detectHosts options', () => detectHosts('x', null as never), 'options'],
    ['detectHosts argument', () => detectHosts('x', {} as never), 'options.argument'],
    ['hostAllowed', () => hostAllowed('a.example', null as never), 'allowlist'],
    ['internalReason', () => internalReason(12 as never), 'host'],
    ['detectBulkRead', () => detectBulkRead(null as never), 'leaf'],
    ['selectArgumentValues', () => selectArgumentValues({}, null as never), 'pattern'],
    ['actionClassRank', () => actionClassRank('B1' as never), 'actionClass'],
    ['classify', () => registry.classify(null as never), 'call'],
    [
      'classifyToolCall',
      () => classifyToolCall({ registry: {} as never, tool: 't', args: {} }),
      'registry',
    ],
  ])('%s names the parameter instead of throwing a TypeError', (_name, call, parameter) => {
    expect(call).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter } }),
    );
  });

  it('parseHost answers undefined for a non-string', () => {
    expect(parseHost(null as never)).toBeUndefined();
  });
});
