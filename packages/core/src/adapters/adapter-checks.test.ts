import { describe, expect, it } from 'vitest';
import { createFirewall } from '../firewall/create-firewall.ts';
import { allow, firewallOptions, policyDouble } from '../firewall/test-support.ts';
import { assertFirewallSession, assertOptionsObject } from './adapter-checks.ts';

/** `run` throws a WritError matching `expected`. */
function expectRefusal(run: () => unknown, expected: Record<string, unknown>): void {
  expect(run).toThrow(expect.objectContaining({ name: 'WritError', ...expected }));
}

const notASession = (parameter: string) => ({
  code: 'ERR_INVALID_ARGUMENT',
  message: `${parameter} must be a Writ FirewallSession`,
  details: { parameter },
});

describe('assertFirewallSession', () => {
  it('accepts a real session, checking the methods the caller uses', async () => {
    const firewall = await createFirewall(firewallOptions({ policy: policyDouble(() => allow) }));
    const session = await firewall.openSession({ principal: { id: 'alice' }, agent: { id: 'bot' } });
    expect(() => assertFirewallSession(session, 'options.session', ['guard', 'execute', 'addSystemPrompt', 'addUserTurn'])).not.toThrow();
    expect(() => assertFirewallSession(session)).not.toThrow();
    await firewall.close();
  });

  it('accepts any object when no methods are asked for (the object-only check)', () => {
    expect(() => assertFirewallSession({}, 'session', [])).not.toThrow();
    expect(() => assertFirewallSession(Object.create(null), 'session')).not.toThrow();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'session'],
    ['a number', 1],
    ['a function', () => undefined],
    ['a symbol', Symbol('session')],
  ])('refuses %s, naming the parameter', (_label, value) => {
    expectRefusal(() => assertFirewallSession(value, 'options.session', []), notASession('options.session'));
  });

  it('refuses {} and a session-like object missing a method the caller uses', () => {
    expectRefusal(() => assertFirewallSession({}, 'options.session', ['guard']), notASession('options.session'));
    const partial = { guard: () => undefined, addUserTurn: 'not a function' };
    expectRefusal(() => assertFirewallSession(partial, 'session', ['guard', 'execute']), notASession('session'));
    expectRefusal(() => assertFirewallSession(partial, 'session', ['guard', 'addUserTurn']), notASession('session'));
    expect(() => assertFirewallSession(partial, 'session', ['guard'])).not.toThrow();
  });

  it('names `session` by default', () => {
    expectRefusal(() => assertFirewallSession(null), notASession('session'));
  });

  it('refuses a Proxy whose trap throws (or a revoked one) with the trap error as cause', () => {
    const trapError = new Error('trap');
    const throwing = new Proxy({}, { get: () => { throw trapError; } });
    expectRefusal(() => assertFirewallSession(throwing, 'options.session', ['guard']), { ...notASession('options.session'), cause: trapError });
    const { proxy, revoke } = Proxy.revocable({ guard: () => undefined }, {});
    revoke();
    expectRefusal(() => assertFirewallSession(proxy, 'session', ['guard']), notASession('session'));
  });

  it('reads each property once (a getter is not run twice)', () => {
    let reads = 0;
    const session = {
      get guard() {
        reads++;
        return () => undefined;
      },
    };
    assertFirewallSession(session, 'session', ['guard']);
    expect(reads).toBe(1);
  });

  it('refuses its own malformed arguments with WritErrors naming them', () => {
    expectRefusal(() => assertFirewallSession({}, 1 as never, []), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'parameter' } });
    expectRefusal(() => assertFirewallSession({}, Symbol('p') as never, []), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'parameter' } });
    for (const methods of [null, 'guard', {}, [1], [Symbol('guard')]]) {
      expectRefusal(() => assertFirewallSession({}, 'session', methods as never), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'methods' } });
    }
  });
});

describe('assertOptionsObject', () => {
  it('accepts objects, arrays included (their fields are checked where they are read)', () => {
    expect(() => assertOptionsObject({})).not.toThrow();
    expect(() => assertOptionsObject([])).not.toThrow();
    expect(() => assertOptionsObject(Object.create(null), 'definition')).not.toThrow();
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'x'],
    ['a number', 0],
    ['a function', () => undefined],
  ])('refuses %s, naming the parameter', (_label, value) => {
    expectRefusal(() => assertOptionsObject(value), { code: 'ERR_INVALID_ARGUMENT', message: 'options must be an object', details: { parameter: 'options' } });
    expectRefusal(() => assertOptionsObject(value, 'definition'), { code: 'ERR_INVALID_ARGUMENT', message: 'definition must be an object', details: { parameter: 'definition' } });
  });

  it('refuses a parameter name that is not a string', () => {
    expectRefusal(() => assertOptionsObject({}, Symbol('p') as never), { code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'parameter' } });
  });
});
