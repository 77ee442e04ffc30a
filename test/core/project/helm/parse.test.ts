import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lexTemplate, TemplateSyntaxError } from '../../../../src/core/project/helm/lex.js';
import { parseTemplate, type BranchNode } from '../../../../src/core/project/helm/parse.js';

test('the lexer splits text and actions, applies trim markers and drops comments', () => {
  const text = 'a \n{{- .x -}}\n b{{/* c */}}d{{ "}}" }}';
  const items = lexTemplate(text);
  assert.deepEqual(
    items.map((item) =>
      item.type === 'text' ? ['text', item.text, text.slice(item.start, item.end)] : ['action', item.tokens.map((t) => t.text).join(' ')],
    ),
    [
      ['text', 'a', 'a'],
      ['action', '.x'],
      ['text', 'b', 'b'],
      ['text', 'd', 'd'],
      ['action', '"}}"'],
    ],
  );
  // `{{-3}}` is the number -3, not a trim marker.
  assert.deepEqual(
    lexTemplate('x {{-3}}').map((item) => item.type),
    ['text', 'action'],
  );
  assert.equal((lexTemplate('x {{-3}}')[0] as { text: string }).text, 'x ');
});

test('the lexer says where an action is left open', () => {
  assert.throws(
    () => lexTemplate('ok\n{{ .Values.x'),
    (error: unknown) => error instanceof TemplateSyntaxError && error.offset === 3 && error.message === 'unclosed action',
  );
  assert.throws(() => lexTemplate('{{/* open'), TemplateSyntaxError);
});

test('the parser builds if / else if / else chains, range declarations and defines', () => {
  const parsed = parseTemplate(
    '{{- define "x" }}d{{ end }}{{ if .a }}1{{ else if .b }}2{{ else }}3{{ end }}{{ range $i, $v := .l }}{{ $v }}{{ end }}{{ block "y" . }}b{{ end }}',
  );
  assert.deepEqual([...parsed.defines.keys()], ['x', 'y']);
  const [, chain, loop, block] = parsed.root as [unknown, BranchNode, BranchNode, { type: string; name: string }];
  assert.equal(chain.type, 'if');
  assert.equal((chain.elseList![0] as BranchNode).type, 'if');
  assert.equal((chain.elseList![0] as BranchNode).elseList!.length, 1);
  assert.deepEqual(loop.pipe.decl, ['$i', '$v']);
  assert.deepEqual([block.type, block.name], ['template', 'y']);
});

test('pipelines: commands, parenthesised pipelines with fields, assignments', () => {
  const [action] = parseTemplate('{{ $r = default .a ((.global).registry) | quote }}').root;
  assert.equal(action?.type, 'action');
  if (action?.type !== 'action') return;
  assert.deepEqual(action.pipe.decl, ['$r']);
  assert.equal(action.pipe.assign, true);
  assert.deepEqual(
    action.pipe.cmds.map((c) => c.text),
    ['default .a ((.global).registry)', 'quote'],
  );
  const inner = action.pipe.cmds[0]!.args[2];
  assert.equal(inner?.type, 'pipe');
  assert.equal(inner.text, '((.global).registry)');
});

test('the parser refuses what helm refuses', () => {
  for (const bad of [
    '{{ end }}',
    '{{ if .a }}x',
    '{{ else }}',
    '{{ if }}x{{ end }}',
    '{{ template .x }}',
    '{{ (.a }}',
    '{{ if 1 }}{{ define "x" }}{{ end }}{{ end }}',
  ]) {
    assert.throws(() => parseTemplate(bad), TemplateSyntaxError, bad);
  }
});

test('identifiers are letters, digits and _ of any script, as Go reads them; other characters end them', () => {
  const [action] = lexTemplate('{{ .Values.größe_2.値 $x_1 | default "a" }}');
  assert.ok(action?.type === 'action');
  assert.deepEqual(
    action.tokens.map((t) => [t.kind, t.text]),
    [
      ['field', '.Values'],
      ['field', '.größe_2'],
      ['field', '.値'],
      ['variable', '$x_1'],
      ['pipe', '|'],
      ['identifier', 'default'],
      ['string', '"a"'],
    ],
  );
});
