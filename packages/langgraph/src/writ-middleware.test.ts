import { describe, expect, it } from 'vitest';
import { writMiddleware } from './writ-middleware.ts';

describe('writMiddleware', () => {
  it('refuses options without a firewall session, naming the parameter', () => {
    for (const options of [undefined, null, 7, {}, { session: null }, { session: { guard: () => 1 } }, JSON.parse('{"__proto__":{"session":{}}}')]) {
      expect(() => writMiddleware(options as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.session' } }));
    }
  });

  it('is a langchain middleware named WritFirewall with tool and model wrappers', () => {
    const session = { guard: () => undefined, execute: () => undefined };
    const middleware = writMiddleware({ session } as never);
    expect(middleware.name).toBe('WritFirewall');
    expect(typeof middleware.wrapToolCall).toBe('function');
    expect(typeof middleware.wrapModelCall).toBe('function');
  });

  it('refuses a history that is not client or application, naming the parameter; an inherited one is not an option', () => {
    const session = () => ({ guard: () => undefined, execute: () => undefined }) as never;
    for (const history of ['trusted', 'CLIENT', '', 1, null, true, {}, ['client']]) {
      expect(() => writMiddleware({ session: session(), history } as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT', details: { parameter: 'options.history' } }));
    }
    const inherited = Object.assign(Object.create({ history: 'application' }) as object, { session: session() });
    expect(writMiddleware(inherited as never).name).toBe('WritFirewall');
  });
});
