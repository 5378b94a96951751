import { describe, expect, it } from 'vitest';
import { call, callError } from './test-call.ts';

const schema = `
  type Query { employee(id: ID!): Employee }
  type Employee { id: ID! name: String salary: Int }
`;

describe('graphql.parse_schema', () => {
  it('returns gqlparser’s pruned AST shape', () => {
    expect(call('graphql.parse_schema', 'type Hello { world(flag: Boolean = true): [String]! }')).toEqual({
      Definitions: [{
        BuiltIn: false, Description: '', Kind: 'OBJECT', Name: 'Hello',
        Fields: [{
          Arguments: [{ DefaultValue: { Kind: 5, Raw: 'true' }, Description: '', Name: 'flag', Type: { NamedType: 'Boolean', NonNull: false } }],
          Description: '', Name: 'world', Type: { Elem: { NamedType: 'String', NonNull: false }, NamedType: '', NonNull: true },
        }],
      }],
    });
  });
  it('words syntax errors like gqlparser, with the location', () => {
    expect(callError('graphql.parse_schema', 'type Hello {}').message).toBe(
      'graphql.parse_schema: expected at least one definition, found } in GraphQL string at location 1:13',
    );
    expect(callError('graphql.parse_schema', 'type Hello {').code).toBe('eval_builtin_error');
  });
});

describe('graphql.parse_query', () => {
  it('keeps aliases, arguments and variables as gqlparser does', () => {
    expect(call('graphql.parse_query', 'query Q($v: Int) { a: f(x: $v, y: [1, "s"]) }')).toEqual({
      Operations: [{
        Name: 'Q', Operation: 'query',
        VariableDefinitions: [{ Type: { NamedType: 'Int', NonNull: false }, Used: false, Variable: 'v' }],
        SelectionSet: [{
          Alias: 'a', Name: 'f',
          Arguments: [
            { Name: 'x', Value: { Kind: 0, Raw: 'v' } },
            { Name: 'y', Value: { Kind: 8, Raw: '', Children: [{ Name: '', Value: { Kind: 1, Raw: '1' } }, { Name: '', Value: { Kind: 3, Raw: 's' } }] } },
          ],
        }],
      }],
    });
    expect(callError('graphql.parse_query', 'notanoperation Foo { field }').message).toBe(
      'graphql.parse_query: Unexpected Name "notanoperation" in GraphQL string at location 1:1',
    );
  });
});

describe('graphql validation', () => {
  it('validates queries against schemas', () => {
    expect(call('graphql.is_valid', '{ employee(id: "1") { name } }', schema)).toBe(true);
    expect(call('graphql.is_valid', '{ employee(id: "1") { secret } }', schema)).toBe(false);
    expect(call('graphql.is_valid', 1, schema)).toBe(false);
    expect(callError('graphql.parse', '{ employee { name } }', schema).message).toContain(
      'Field "employee" argument "id" of type "ID!" is required, but it was not provided in GraphQL string at location 1:3',
    );
    expect((call('graphql.parse_and_verify', '{ employee(id: 1) { name } }', schema) as unknown[])[0]).toBe(true);
    expect(call('graphql.parse_and_verify', '{ nope }', schema)).toEqual([false, {}, {}]);
  });
  it('accepts schemas that only extend types and refuses broken ones', () => {
    expect(call('graphql.schema_is_valid', 'extend type Query { a: Int }')).toBe(true);
    expect(call('graphql.schema_is_valid', 'type A implements B { a: Int }')).toBe(false);
  });
  it('accepts the AST objects parse_* return, as OPA does', () => {
    const schemaAst = call('graphql.parse_schema', schema);
    const queryAst = call('graphql.parse_query', 'query Q($id: ID!) { employee(id: $id) { name ...F } } fragment F on Employee { salary }');
    expect(call('graphql.schema_is_valid', schemaAst)).toBe(true);
    expect(call('graphql.is_valid', queryAst, schemaAst)).toBe(true);
    expect(call('graphql.parse', queryAst, schemaAst)).toEqual([queryAst, schemaAst]);
    expect(call('graphql.schema_is_valid', { Definitions: [{ Kind: 'OBJECT', Name: 'A', Interfaces: ['Missing'] }] })).toBe(false);
  });
});
