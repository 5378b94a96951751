import { describe, expect, it } from 'vitest';
import { call, callError } from './test-call.ts';

const render = (template: string, vars: object): unknown => call('strings.render_template', template, vars);

describe('strings.render_template', () => {
  it('renders fields, ranges and conditionals like Go text/template', () => {
    expect(render('{{.test}}', { test: 'hello world' })).toBe('hello world');
    expect(render('{{range $i, $name := .names}}{{if $i}},{{end}}hello {{$name}}{{end}}', { names: ['a', 'b'] })).toBe(
      'hello a,hello b',
    );
    expect(render('{{if eq .role "admin"}}yes{{else if eq .role "dev"}}maybe{{else}}no{{end}}', { role: 'dev' })).toBe('maybe');
    expect(render('{{range .xs}}[{{.}}]{{else}}none{{end}}', { xs: [] })).toBe('none');
    expect(render('{{with .user}}{{.name}}{{end}}', { user: { name: 'ann' } })).toBe('ann');
    expect(render('{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}', { m: { b: 2, a: 1 } })).toBe('a=1;b=2;');
  });
  it('prints values with Go’s %v (JSON numbers are float64)', () => {
    expect(render('{{.n}} {{.big}} {{.m}} {{.l}}', { n: 2023, big: 1000000, m: { b: 1, a: 'x' }, l: [1, 'y'] })).toBe(
      '2023 1e+06 map[a:x b:1] [1 y]',
    );
    expect(render('{{printf "%v-%s" .n .s}} {{len .s}}', { n: 2, s: 'héllo' })).toBe('2-héllo 6');
  });
  it('honours trim markers and comments', () => {
    expect(render('a  {{- .x -}}  b{{/* note */}}', { x: 1 })).toBe('a1b');
  });
  it('bounds the work of nested ranges', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    expect(callError('strings.render_template', '{{range .xs}}{{range $.xs}}x{{end}}{{end}}', { xs }).code).toBe('eval_builtin_error');
  });
  it('fails on missing keys and unsupported constructs instead of guessing', () => {
    expect(callError('strings.render_template', '{{.missing}}', { test: 1 }).message).toContain('map has no entry for key "missing"');
    expect(callError('strings.render_template', '{{template "x"}}', {}).code).toBe('eval_builtin_error');
    expect(callError('strings.render_template', '{{html .x}}', { x: 1 }).message).toContain('function "html" not defined');
    expect(callError('strings.render_template', '{{if .x}}', { x: 1 }).code).toBe('eval_builtin_error');
    expect(callError('strings.render_template', '{{.x}}', []).code).toBe('eval_type_error');
  });
});
