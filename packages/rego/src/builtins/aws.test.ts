import { describe, expect, it } from 'vitest';
import { call, callError } from './test-call.ts';

const config = {
  aws_access_key: 'MYAWSACCESSKEYGOESHERE',
  aws_secret_access_key: 'MYAWSSECRETACCESSKEYGOESHERE',
  aws_service: 's3',
  aws_region: 'us-east-1',
};
const time = 1451311705000000000n;

describe('providers.aws.sign_req', () => {
  it('signs like OPA (known answer)', () => {
    expect(call('providers.aws.sign_req', { method: 'get', url: 'http://example.com' }, config, time)).toEqual({
      method: 'get',
      url: 'http://example.com',
      headers: {
        Authorization:
          'AWS4-HMAC-SHA256 Credential=MYAWSACCESSKEYGOESHERE/20151228/us-east-1/s3/aws4_request,SignedHeaders=host;x-amz-content-sha256;x-amz-date,Signature=0047a7016c81e5c7f29cd522f97e911e04fc472fced0aee7916cbc287ad6c8e3',
        host: 'example.com',
        'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        'x-amz-date': '20151228T140825Z',
      },
    });
  });
  it('changes the signature when the body changes', () => {
    const sign = (body: unknown): string =>
      (call('providers.aws.sign_req', { method: 'post', url: 'https://h/p?q=1', body }, config, time) as {
        headers: { Authorization: string };
      }).headers.Authorization;
    expect(sign({ a: 1 })).not.toBe(sign({ a: 2 }));
  });
  it('names missing and invalid parameters', () => {
    expect(callError('providers.aws.sign_req', {}, config, time).message).toBe(
      'providers.aws.sign_req: operand 1 missing required request parameters(s): {"method", "url"}',
    );
    expect(callError('providers.aws.sign_req', { method: 'get', url: 'x' }, { example: 'x' }, time).code).toBe('eval_type_error');
    expect(callError('providers.aws.sign_req', { method: 'get', url: 'x' }, { ...config, disable_payload_signing: 'yes' }, time).message)
      .toContain("invalid value for 'disable_payload_signing'");
  });
});

describe('runtime builtins', () => {
  it('opa.runtime is empty without an attached runtime', () => {
    expect(call('opa.runtime')).toEqual({});
  });
  it('http.send validates the request like OPA, then refuses network access', () => {
    expect(callError('http.send', { bad_key: 1, method: 'get', url: 'x' }).message).toBe(
      'http.send: operand 1 invalid request parameters(s): {"bad_key"}',
    );
    expect(callError('http.send', { method: 'get' })).toEqual({
      code: 'eval_type_error', message: 'http.send: operand 1 missing required request parameters(s): {"url"}',
    });
    expect(callError('http.send', { method: 'get', url: 'http://127.0.0.1' }).code).toBe('eval_builtin_error');
  });
});

describe('net.lookup_ip_addr', () => {
  it('answers IP literals and refuses names', () => {
    expect(call('net.lookup_ip_addr', '10.0.0.0')).toEqual(['10.0.0.0']);
    expect(call('net.lookup_ip_addr', '::')).toEqual(['::']);
    expect(callError('net.lookup_ip_addr', 'localhost').code).toBe('eval_builtin_error');
  });
});
