import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseTemplate, type Node } from '../../../../src/core/project/helm/parse.js';
import { Evaluator, Sink, Vars } from '../../../../src/core/project/helm/template.js';
import { Text, Unknown, Unresolved, type GoMap, type Piece, type Value } from '../../../../src/core/project/helm/value.js';
import { readValues } from '../../../../src/core/project/helm/values.js';

const VALUES_FILE = '/chart/values.yaml';

function setup(template: string, values: string, helpers: string) {
  const parsed = parseTemplate(template);
  const templates = new Map<string, readonly Node[]>();
  for (const source of [helpers, template]) for (const [name, define] of parseTemplate(source).defines) templates.set(name, define.list);
  const evaluator = new Evaluator(templates);
  const top: GoMap = new Map<string, Value>([
    ['Values', readValues(values, VALUES_FILE).values],
    [
      'Chart',
      new Map<string, Value>([
        ['Name', 'app'],
        ['AppVersion', '1.0.0'],
      ]),
    ],
    ['Release', new Map<string, Value>([['Name', 'release-name']])],
    ['Capabilities', new Unknown('.Capabilities')],
  ]);
  return { parsed, evaluator, top };
}

/** What a template renders to, as pieces; throws Unresolved like the evaluator. */
function pieces(template: string, values = '', helpers = ''): { pieces: Piece[]; evaluator: Evaluator } {
  const { parsed, evaluator, top } = setup(template, values, helpers);
  const sink = new Sink(false);
  evaluator.render(parsed.root, { dot: top, vars: new Vars([['$', top]]) }, sink);
  return { pieces: sink.pieces, evaluator };
}

function render(template: string, values = '', helpers = ''): string {
  return new Text(pieces(template, values, helpers).pieces).value;
}

/** The part reported unresolved: a failed evaluation, or a missing value written out. */
function unresolved(template: string, values = '', helpers = ''): string | undefined {
  try {
    return pieces(template, values, helpers).pieces.find((p) => p.missing !== undefined)?.missing;
  } catch (error) {
    if (error instanceof Unresolved) return error.part;
    throw error;
  }
}

test('text and actions render as helm writes them, trim markers taking the whitespace beside them', () => {
  assert.equal(render('a {{ "b" }} c'), 'a b c');
  assert.equal(render('a\n  {{- "b" -}}\n  c'), 'abc');
  assert.equal(render('x{{/* a comment */}}y{{- /* trimmed */ -}} z'), 'xyz');
});

test('fields walk the values; a missing key prints nothing and is marked missing', () => {
  const values = 'image:\n  repository: nginx\n';
  assert.equal(render('{{ .Values.image.repository }}', values), 'nginx');
  assert.equal(render('[{{ .Values.image.tag }}]', values), '[]');
  assert.equal(unresolved('{{ .Values.image.tag }}', values), '.Values.image.tag');
  // A field of a missing value is an error in Go ("nil pointer evaluating interface {}.tag").
  assert.equal(unresolved('{{ .Values.other.tag | default "x" }}', values), '.Values.other.tag');
  // Through a pipeline the missing value is the invalid value, whose fields are nothing (Bitnami's `(.global).imageRegistry`).
  assert.equal(render('{{ default "r" (.Values.global).imageRegistry }}', values), 'r');
});

test('numbers print as Go prints float64 values read through JSON, constants as ints', () => {
  const values = 'a: 0.1\nb: 1.10\nc: 1000000\nd: 123456\ne: 1.5e-5\nf: yes\ng: 010\nh: "1.10"\ni: 0x1F\nj: ~\n';
  assert.equal(
    render('{{ .Values.a }} {{ .Values.b }} {{ .Values.c }} {{ .Values.d }} {{ .Values.e }}', values),
    '0.1 1.1 1e+06 123456 1.5e-05',
  );
  assert.equal(render('{{ .Values.f }} {{ .Values.g }} {{ .Values.h }} {{ .Values.i }}', values), 'true 8 1.10 31');
  assert.equal(render('{{ 5 }} {{ 2.50 }} {{ -3 }}'), '5 2.5 -3');
  // Go's hexadecimal floats, as opentelemetry-collector's memory limits write them (helm v4.3.2 renders this).
  assert.equal(render('{{ 0x1p4 }} {{ 0x1.8p1 }} {{ mulf 2 0x1p60 }} {{ 0x_1P-2 }}'), '16 3 2.305843009213694e+18 0.25');
  assert.equal(unresolved('{{ .Values.j }}', values), '.Values.j');
});

test('default, coalesce, ternary and required choose as sprig does', () => {
  const values = 'empty: ""\nzero: 0\nfalse: false\ntag: "1.2"\nlist: []\n';
  assert.equal(
    render('{{ .Values.empty | default "d" }}|{{ .Values.zero | default "d" }}|{{ .Values.false | default "d" }}', values),
    'd|d|d',
  );
  assert.equal(render('{{ .Values.missing | default .Chart.AppVersion }}|{{ .Values.tag | default "x" }}', values), '1.0.0|1.2');
  assert.equal(render('{{ default "d" .Values.list }}|{{ coalesce .Values.empty .Values.tag }}', values), 'd|1.2');
  assert.equal(render('{{ ternary "a" "b" true }}{{ false | ternary "a" "b" }}'), 'ab');
  assert.equal(render('{{ required "give a tag" .Values.tag }}', values), '1.2');
  assert.equal(unresolved('{{ required "give a tag" .Values.missing }}', values), 'required "give a tag" .Values.missing');
});

test('printf formats as Go does, bad verbs included', () => {
  const values = 'repo: nginx\ntag: "1.25"\nnum: 0.1\n';
  assert.equal(render('{{ printf "%s:%s" .Values.repo .Values.tag }}', values), 'nginx:1.25');
  assert.equal(render('{{ printf "%v/%d%%" .Values.num 7 }}', values), '0.1/7%');
  assert.equal(render('{{ printf "%q" .Values.repo }}', values), '"nginx"');
  assert.equal(render('{{ printf "%s" .Values.num }}', values), '%!s(float64=0.1)');
  assert.equal(render('{{ printf "%d" .Values.repo }}', values), '%!d(string=nginx)');
  assert.equal(render('{{ printf "%s-%s" "a" }}'), 'a-%!s(MISSING)');
  assert.equal(render('{{ printf "%s" "a" 3 }}'), 'a%!(EXTRA int=3)');
  assert.equal(unresolved('{{ printf "%s:%s" .Values.repo .Values.missing }}', values), '.Values.missing');
  assert.equal(unresolved('{{ printf "%05d" 3 }}'), 'printf "%05d" 3');
});

test('string functions: quote, squote, toString, trims, case, replace, trunc, print and cat', () => {
  const values = 'v: v1.2.3\nnum: 1.5\n';
  assert.equal(render('{{ .Values.v | quote }} {{ squote .Values.v }} {{ quote "a\\"b" }}', values), `"v1.2.3" 'v1.2.3' "a\\"b"`);
  assert.equal(render('{{ .Values.num | toString }}', values), '1.5');
  assert.equal(
    render('{{ trimPrefix "v" .Values.v }}|{{ trimSuffix ".3" .Values.v }}|{{ trim "  x " }}|{{ trimAll "-" "--x--" }}', values),
    '1.2.3|v1.2|x|x',
  );
  assert.equal(
    render('{{ upper "ab" }}{{ lower "CD" }}|{{ replace "." "-" .Values.v }}|{{ trunc 2 .Values.v }}', values),
    'ABcd|v1-2-3|v1',
  );
  assert.equal(render('{{ print "a" "b" 1 2 }}|{{ cat "a" .Values.missing "b" }}', values), 'ab1 2|a b');
  // Go refuses a float64 where a function takes a string.
  assert.equal(unresolved('{{ trimPrefix "v" .Values.num }}', values), 'trimPrefix "v" .Values.num');
  // Sprig's quote skips nothing: the empty string it makes must not pass for a value.
  assert.equal(unresolved('{{ quote .Values.missing }}', values), '.Values.missing');
});

test('logic: and and or stop early, not, and comparisons of like kinds', () => {
  assert.equal(render('{{ and 1 "" "x" }}|{{ or "" 0 "y" }}|{{ not "" }}'), '|y|true');
  // `or` does not evaluate what it does not need: the unknown function is never called.
  assert.equal(render('{{ or "x" (nosuchfunction) }}'), 'x');
  assert.equal(render('{{ eq "a" "b" "a" }} {{ ne 1 2 }} {{ lt "a" "b" }} {{ ge 2 2 }}'), 'true true true true');
  assert.equal(unresolved('{{ eq 1 "1" }}'), 'eq 1 "1"');
});

test('if, with and range: branches, dot, variables and loop control', () => {
  const values = 'enabled: true\non: x\nimage:\n  tag: "2"\nlist: [a, b, c]\nmap: {z: 1, a: 2}\n';
  assert.equal(render('{{ if .Values.off }}1{{ else if .Values.enabled }}2{{ else }}3{{ end }}', values), '2');
  // YAML 1.1, as helm reads it: the key `on` is the boolean true.
  assert.equal(render('{{ .Values.on }}|{{ index .Values "true" }}', values), '|x');
  assert.equal(render('{{ with .Values.image }}{{ .tag }}{{ $.Chart.Name }}{{ else }}none{{ end }}', values), '2app');
  assert.equal(render('{{ with .Values.missing }}x{{ else }}none{{ end }}', values), 'none');
  assert.equal(render('{{ range $i, $v := .Values.list }}{{ $i }}{{ $v }}{{ end }}', values), '0a1b2c');
  assert.equal(render('{{ range $k, $v := .Values.map }}{{ $k }}={{ $v }};{{ end }}', values), 'a=2;z=1;');
  assert.equal(
    render('{{ range .Values.list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ if eq . "c" }}{{ break }}{{ end }}{{ . }}{{ end }}', values),
    'a',
  );
  assert.equal(render('{{ range .Values.none }}x{{ else }}empty{{ end }}{{ range 3 }}{{ . }}{{ end }}', values), 'empty012');
  // Assignments outlive the block they are made in; declarations do not.
  assert.equal(render('{{ $t := "a" }}{{ if true }}{{ $t = "b" }}{{ $u := "c" }}{{ end }}{{ $t }}'), 'b');
  assert.equal(unresolved('{{ if true }}{{ $u := "c" }}{{ end }}{{ $u }}'), '$u');
});

test('include and template render defines with the data they are given, as dot and as $', () => {
  const helpers = '{{- define "name" -}}{{ .Chart.Name }}-{{ $.Release.Name }}{{- end -}}{{- define "pair" -}}{{ .a }}:{{ .b }}{{- end -}}';
  assert.equal(render('{{ include "name" . | upper }}', '', helpers), 'APP-RELEASE-NAME');
  assert.equal(render('[{{ template "name" . }}]', '', helpers), '[app-release-name]');
  assert.equal(render('{{ include "pair" (dict "a" "x" "b" 1) }}', '', helpers), 'x:1');
  assert.equal(unresolved('{{ include "nothing" . }}'), 'include "nothing" .');
});

test('includes nest at most 32 deep', () => {
  const helpers = '{{- define "loop" -}}{{ include "loop" . }}{{- end -}}';
  assert.equal(unresolved('{{ include "loop" . }}', '', helpers), 'include "loop" .');
});

test('tpl renders its text as a template; lookup finds nothing, as under helm template; unknown functions and methods are not evaluated', () => {
  const values = 'plain: nginx\ntemplated: "{{ .Release.Name }}-{{ .Values.plain }}"\n';
  assert.equal(render('{{ tpl .Values.plain . }}', values), 'nginx');
  assert.equal(render('{{ tpl .Values.templated . }}', values), 'release-name-nginx');
  assert.equal(render('{{ lookup "v1" "Secret" "ns" "name" | toJson }}'), '{}');
  assert.equal(unresolved('{{ noSuchFunction 5 }}'), 'noSuchFunction 5');
  assert.equal(unresolved('{{ .Release.Name.Has "x" }}'), '.Release.Name.Has "x"');
  assert.equal(unresolved('{{ .Capabilities.KubeVersion.Version }}'), '.Capabilities.KubeVersion.Version');
});

test('maps and lists: dict, list, index, get, hasKey, dig, set (on values too, as helm lets later templates see), kinds', () => {
  const values = 'hooks:\n  pre:\n    enabled: true\n';
  assert.equal(render('{{ $d := dict "a" "1" }}{{ $_ := set $d "b" "2" }}{{ index $d "b" }}{{ get $d "a" }}{{ get $d "z" }}'), '21');
  assert.equal(render('{{ index .Values.hooks "pre" "enabled" }} {{ hasKey .Values.hooks "post" }}', values), 'true false');
  assert.equal(render('{{ dig "pre" "enabled" false .Values.hooks }} {{ dig "post" "x" "none" .Values.hooks }}', values), 'true none');
  assert.equal(render('{{ index (list "a" "b") 1 }} {{ first (list 1 2) }} {{ len (list 1 2 3) }}'), 'b 1 3');
  assert.equal(render('{{ kindOf .Values.hooks }} {{ kindIs "float64" 1.5 }} {{ typeOf "x" }}', values), 'map true string');
  assert.equal(render('{{ $_ := set .Values.hooks "x" "y" }}{{ .Values.hooks.x }}', values), 'y');
});

test('strings keep the values.yaml scalars they were built from', () => {
  const values = 'image:\n  repository: nginx\n  tag: "1.25"\n';
  const { pieces: out } = pieces('{{ printf "%s:%s" .Values.image.repository .Values.image.tag | quote }}', values);
  assert.deepEqual(
    out.map((p) => [p.text, p.source?.key.join('.'), p.exact]),
    [
      ['"', undefined, undefined],
      ['nginx', 'image.repository', true],
      [':', undefined, undefined],
      ['1.25', 'image.tag', true],
      ['"', undefined, undefined],
    ],
  );
  const tag = out[3]!.source!;
  assert.deepEqual(tag.range, { start: { line: 2, character: 8 }, end: { line: 2, character: 12 } });
  assert.equal(tag.raw, '1.25');
  assert.equal(tag.file, VALUES_FILE);
  // A part of a scalar still says where it came from, but is no longer the whole of it.
  const { pieces: trimmed } = pieces('{{ trimPrefix "v" .Values.v }}', 'v: v2.0\n');
  assert.deepEqual(
    trimmed.map((p) => [p.text, p.source?.key.join('.'), p.exact]),
    [['2.0', 'v', false]],
  );
});

test('lookups of values.yaml mappings are recorded with the mapping and the value found', () => {
  const values = 'image:\n  repository: nginx\n  digest: ""\n';
  const { evaluator } = pieces('{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ end }}', values);
  const digest = evaluator.reads.filter((read) => read.key === 'digest');
  assert.equal(digest.length, 1);
  assert.deepEqual(digest[0]!.map.key, ['image']);
  assert.deepEqual(digest[0]!.map.range, { start: { line: 1, character: 2 }, end: { line: 2, character: 12 } });
});

test('hostile templates stop as unresolved: doubling strings, nested loops', () => {
  const doubling = '{{ $x := "ab" }}{{ range 40 }}{{ $x = printf "%s%s" $x $x }}{{ end }}{{ $x }}';
  assert.equal(unresolved(doubling), '(a string is too long)');
  assert.equal(unresolved('{{ range 10000 }}{{ range 10000 }}x{{ end }}{{ end }}'), '(the template takes too long to evaluate)');
  const nested = '{{ $l := list 1 }}' + '{{ $l = list $l $l }}'.repeat(40) + '{{ $l }}';
  assert.equal(unresolved(nested), '(a value is nested too deeply to print)');
});
