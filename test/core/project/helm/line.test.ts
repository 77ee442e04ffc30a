import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { contextsAt, renderLine, valueEnd, withoutComment, yamlScalar } from '../../../../src/core/project/helm/line.js';
import { parseTemplate, type Node } from '../../../../src/core/project/helm/parse.js';
import { Evaluator } from '../../../../src/core/project/helm/template.js';
import { Text, Unresolved, type GoMap, type Piece, type Value } from '../../../../src/core/project/helm/value.js';
import { readValues } from '../../../../src/core/project/helm/values.js';

function text(pieces: readonly Piece[] | undefined): string | undefined {
  return pieces && new Text(pieces).value;
}

/** Renders the line whose value follows `image: ` in `template`, in each context it is rendered in. */
function line(template: string, values = ''): { rendered: (string | { unresolved: string })[]; raw: string } {
  const parsed = parseTemplate(template);
  const templates = new Map<string, readonly Node[]>([...parsed.defines].map(([name, define]) => [name, define.list]));
  const evaluator = new Evaluator(templates);
  const top: GoMap = new Map<string, Value>([['Values', readValues(values, '/c/values.yaml').values]]);
  const key = template.indexOf('image:');
  const offset = key + 'image: '.length;
  const found = contextsAt(evaluator, parsed.root, key, top);
  if (found.kind !== 'found') assert.fail(`no context: ${found.kind}`);
  const rendered = found.contexts.map((context) => {
    try {
      return text(yamlScalar(renderLine(evaluator, context, offset)))!;
    } catch (error) {
      if (error instanceof Unresolved) return { unresolved: error.part };
      throw error;
    }
  });
  return { rendered, raw: withoutComment(template.slice(offset, valueEnd(parsed.root, key, offset))) };
}

test('a line renders to its end: adjacent actions and text, an inline conditional digest', () => {
  const values = 'image:\n  repository: nginx\n  tag: "1.25"\n  digest: sha256:abc\n';
  assert.deepEqual(line('image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"\nnext: x\n', values), {
    rendered: ['nginx:1.25'],
    raw: '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"',
  });
  const inline =
    'image: {{ .Values.image.repository }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ else }}:{{ .Values.image.tag }}{{ end }}\n';
  assert.deepEqual(line(inline, values).rendered, ['nginx@sha256:abc']);
  assert.deepEqual(line(inline, 'image:\n  repository: nginx\n  tag: "1.25"\n').rendered, ['nginx:1.25']);
});

test('trim markers join the following source lines to the value; a block that starts a new line does not', () => {
  const joined = 'image: {{ .Values.r }}\n  {{- if .Values.d }}@{{ .Values.d }}\n  {{- else }}:{{ .Values.t }}\n  {{- end }}\nname: x\n';
  assert.deepEqual(line(joined, 'r: nginx\nt: "1"\n'), {
    rendered: ['nginx:1'],
    raw: '{{ .Values.r }}\n  {{- if .Values.d }}@{{ .Values.d }}\n  {{- else }}:{{ .Values.t }}\n  {{- end }}',
  });
  const separate =
    'image: "{{ .Values.r }}"\n{{- if .Values.p }}\npullPolicy: {{ .Values.p }}\n{{- end }}\n{{- with .Values.env }}\nenv: {{ toYaml . | nindent 2 }}\n{{- end }}\n';
  assert.deepEqual(line(separate, 'r: nginx\np: Always\nenv: [a]\n'), { rendered: ['nginx'], raw: '"{{ .Values.r }}"' });
});

test('an undecidable condition after the value does not matter when both branches start a new line', () => {
  const template =
    'image: nginx\n{{- if semverCompare ">=1.21" .Capabilities.KubeVersion.Version }}\nx: 1\n{{- else }}\nx: 2\n{{- end }}\n';
  assert.deepEqual(line(template).rendered, ['nginx']);
  const inValue = 'image: nginx:{{ if semverCompare ">=1.21" .Capabilities.KubeVersion.Version }}a{{ else }}b{{ end }}\n';
  // This top has no .Capabilities: the version compared is what is missing.
  assert.deepEqual(line(inValue).rendered, [{ unresolved: '.Capabilities.KubeVersion.Version' }]);
});

test('contexts: with sets dot, range makes one context per item, variables declared before are in scope', () => {
  const values = 'side:\n  image: envoy\nextra:\n  - image: a\n  - image: b\n';
  assert.deepEqual(line('{{ with .Values.side }}\nimage: {{ .image }}\n{{ end }}', values).rendered, ['envoy']);
  assert.deepEqual(line('{{ range .Values.extra }}\nimage: {{ .image }}\n{{ end }}', values).rendered, ['a', 'b']);
  assert.deepEqual(line('{{ $r := .Values.side.image }}{{ if true }}\nimage: {{ $r }}:1\n{{ end }}', values).rendered, ['envoy:1']);
  // A `with` that would be skipped leaves nothing to evaluate the image with.
  assert.deepEqual(line('{{ with .Values.nothing }}\nimage: {{ .image }}\n{{ end }}', values).rendered, [
    { unresolved: '.Values.nothing' },
  ]);
});

test('contexts: an image inside a define, and a range over nothing, are said', () => {
  const evaluator = new Evaluator(new Map());
  const top: GoMap = new Map<string, Value>([['Values', readValues('none: []\n', '/c/values.yaml').values]]);
  const inDefine = '{{ define "c" }}\nimage: x\n{{ end }}';
  assert.deepEqual(contextsAt(evaluator, parseTemplate(inDefine).root, inDefine.indexOf('image'), top), { kind: 'define', name: 'c' });
  const inRange = '{{ range .Values.none }}\nimage: x\n{{ end }}';
  assert.deepEqual(contextsAt(evaluator, parseTemplate(inRange).root, inRange.indexOf('image'), top), {
    kind: 'empty-range',
    part: '.Values.none',
  });
});

test('the YAML scalar of a rendered value: quotes and comments removed, pieces kept; collections refused', () => {
  const source = {
    file: '/v',
    key: ['tag'],
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } },
    raw: '1.2',
    from: 'values' as const,
  };
  const scalar = yamlScalar([{ text: ' "nginx:' }, { text: '1.2', source, exact: true }, { text: '"  # pinned later' }]);
  assert.deepEqual(scalar, [{ text: 'nginx:' }, { text: '1.2', source, exact: true }]);
  assert.equal(text(yamlScalar([{ text: "'it''s'" }])), "it's");
  assert.equal(text(yamlScalar([{ text: '"a\\tb"' }])), 'a\tb');
  assert.equal(text(yamlScalar([{ text: 'nginx:1.2 # c' }])), 'nginx:1.2');
  for (const notScalar of ['[a, b]', '{a: b}', '|', '- a', 'a: b', '*alias', '"open'])
    assert.equal(yamlScalar([{ text: notScalar }]), undefined, notScalar);
});

test('the value as written, without its comment', () => {
  assert.equal(withoutComment('"{{ .a }}:{{ .b }}"  # the tag'), '"{{ .a }}:{{ .b }}"');
  assert.equal(withoutComment('"a # b"'), '"a # b"');
  assert.equal(withoutComment('{{ printf "%s #x" .a }} # c'), '{{ printf "%s #x" .a }}');
  assert.equal(withoutComment('nginx:1.2'), 'nginx:1.2');
});
