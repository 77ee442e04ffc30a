import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { at, corpusPath, dockerfile, readCorpus, rules, statuses, textAt } from '../../support/analysis.js';
import { builtRegExps } from '../../support/counting.js';

const DIGEST = `sha256:${'b'.repeat(64)}`;

describe('FROM images', () => {
  test('every FROM of every stage, with the exact range of the reference', () => {
    const text = 'FROM golang:1.23 AS build\nRUN go build\n\nFROM alpine:3.20\nCOPY --from=build /app /app\n';
    const result = dockerfile(text);
    assert.deepEqual(statuses(result), ['image:golang:1.23', 'image:alpine:3.20']);
    assert.deepEqual(
      result.images.map((i) => at(i.range)),
      ['1:6-1:17', '4:6-4:17'],
    );
    assert.deepEqual(
      result.images.map((i) => textAt(text, i.range)),
      ['golang:1.23', 'alpine:3.20'],
    );
    assert.deepEqual(
      result.images.map((i) => i.dockerfile),
      [
        { stage: 0, stageName: 'build', via: 'from' },
        { stage: 1, via: 'from' },
      ],
    );
    assert.equal(result.images[0]!.reference!.normalized, 'docker.io/library/golang:1.23');
  });

  test('ARG before FROM: $X, ${X}, ${X:-default}, ${X:+alt}', () => {
    const text = [
      'ARG REGISTRY=ghcr.io/acme',
      'ARG VERSION=1.4',
      'ARG DEBUG',
      'ARG FLAVOR',
      'FROM $REGISTRY/base:${VERSION}',
      'FROM ${REGISTRY}/tool:${FLAVOR:-slim}',
      'FROM ${REGISTRY}/app:${VERSION}${DEBUG:+-debug}',
      '',
    ].join('\n');
    const result = dockerfile(text);
    assert.deepEqual(statuses(result), ['image:ghcr.io/acme/base:1.4', 'image:ghcr.io/acme/tool:slim', 'image:ghcr.io/acme/app:1.4']);
    assert.equal(result.images[0]!.raw, '$REGISTRY/base:${VERSION}');
    assert.equal(at(result.images[0]!.range), '5:6-5:31');
  });

  test('build-arg overrides replace defaults and fill ARGs without one', () => {
    const text = 'ARG VERSION=1.4\nARG DEBUG\nFROM app:${VERSION}${DEBUG:+-debug}\n';
    const result = dockerfile(text, { buildArgs: { VERSION: '2.0', DEBUG: '1' } });
    assert.deepEqual(statuses(result), ['image:app:2.0-debug']);
  });

  test('an override for an ARG that is not declared before FROM does not apply', () => {
    const result = dockerfile('FROM app:${VERSION:-1}\n', { buildArgs: { VERSION: '9' } });
    assert.deepEqual(statuses(result), ['image:app:1']);
  });

  test('ARG values may use earlier ARGs', () => {
    const result = dockerfile('ARG MAJOR=3\nARG FULL=${MAJOR}.20\nFROM alpine:$FULL\n');
    assert.deepEqual(statuses(result), ['image:alpine:3.20']);
  });

  test('an ARG without a default makes the FROM unresolved, never a bogus image', () => {
    const text = 'ARG GOLANG_VERSION\nFROM golang:${GOLANG_VERSION} AS builder\n';
    const result = dockerfile(text);
    assert.equal(result.images[0]!.status, 'unresolved');
    assert.deepEqual(result.images[0]!.unresolvedVariables, ['GOLANG_VERSION']);
    assert.equal(result.images[0]!.reference, undefined);
    assert.deepEqual(rules(result), ['root-user/implicit', 'unresolved-image']);
    const finding = result.findings.find((f) => f.rule === 'unresolved-image')!;
    assert.equal(finding.severity, 'info');
    assert.match(finding.message, /--build-arg GOLANG_VERSION=/);
    assert.equal(at(finding.range), '2:6-2:30');
  });

  test('ARGs declared after the first FROM are not visible to later FROMs', () => {
    const result = dockerfile('FROM alpine:3.20\nARG TAG=1\nFROM app:${TAG}\n');
    assert.equal(result.images[1]!.status, 'unresolved');
  });

  test('--platform is recorded, resolved where possible', () => {
    const text = 'ARG PLAT=linux/arm64\nFROM --platform=$PLAT alpine:3.20\nFROM --platform=$BUILDPLATFORM golang:1.23\n';
    const result = dockerfile(text);
    assert.deepEqual(
      result.images.map((i) => i.platform),
      ['linux/arm64', '$BUILDPLATFORM'],
    );
    assert.deepEqual(
      result.images.map((i) => textAt(text, i.range)),
      ['alpine:3.20', 'golang:1.23'],
    );
    const withArg = dockerfile('FROM --platform=$BUILDPLATFORM golang:1.23\n', { buildArgs: { BUILDPLATFORM: 'linux/amd64' } });
    assert.equal(withArg.images[0]!.platform, 'linux/amd64');
  });

  test('stage aliases are matched case-insensitively and are not images', () => {
    const text = 'FROM node:22 AS Base\nFROM base AS test\nFROM BASE\n';
    const result = dockerfile(text);
    assert.deepEqual(
      result.images.map((i) => i.status),
      ['image', 'stage', 'stage'],
    );
    assert.deepEqual(
      rules(result).filter((r) => r.startsWith('unpinned')),
      ['unpinned-image/mutable-tag'],
    );
  });

  test('a stage alias produced by ARG substitution', () => {
    const text = 'ARG MODE=prod\nFROM alpine:3.20 AS stage-prod\nFROM alpine:3.20 AS stage-dev\nFROM stage-${MODE}\n';
    const result = dockerfile(text);
    assert.equal(result.images[2]!.status, 'stage');
    assert.equal(result.images[2]!.resolved, 'stage-prod');
  });

  test('a name that matches only a later stage is an image', () => {
    const result = dockerfile('FROM later\nFROM alpine:3.20 AS later\n');
    assert.equal(result.images[0]!.status, 'image');
  });

  test('a stage chosen by a variable without a value is neither an image nor a finding', () => {
    const text = 'FROM alpine:3.20 AS bin-linux\nUSER 1000\nFROM alpine:3.20 AS bin-windows\nUSER 1000\nFROM bin-$TARGETOS\n';
    const result = dockerfile(text);
    assert.equal(result.images[2]!.status, 'unresolved');
    assert.equal(result.images[2]!.dockerfile!.maybeStage, true);
    assert.deepEqual(
      rules(result).filter((r) => !r.startsWith('unpinned')),
      [],
    );
  });

  test('scratch is neither unpinned nor an image to pull', () => {
    const result = dockerfile('FROM scratch\nCOPY app /app\nUSER 65532\n');
    assert.deepEqual(statuses(result), ['scratch:scratch']);
    assert.deepEqual(result.findings, []);
  });

  test('a bare image ID is content-addressed, so pinned', () => {
    const result = dockerfile(`FROM sha256:${'c'.repeat(64)}\nUSER 1\n`);
    assert.equal(result.images[0]!.status, 'id');
    assert.equal(result.images[0]!.pinned, true);
    assert.deepEqual(result.findings, []);
  });

  test('the escape directive changes the continuation character', () => {
    const text = '# escape=`\nFROM `\n  mcr.microsoft.com/windows/servercore:ltsc2022\nUSER ContainerUser\n';
    const result = dockerfile(text);
    assert.deepEqual(statuses(result), ['image:mcr.microsoft.com/windows/servercore:ltsc2022']);
    assert.equal(at(result.images[0]!.range), '3:3-3:48');
  });

  test('a line continuation inside the reference: the range spans both lines', () => {
    const text = 'FROM ng\\\ninx:1.27\n';
    const result = dockerfile(text);
    assert.deepEqual(statuses(result), ['image:nginx:1.27']);
    assert.equal(at(result.images[0]!.range), '1:6-2:9');
  });

  test('COPY --from=<image> is an image; COPY --from=<stage or index> is not', () => {
    const text =
      'FROM alpine:3.20 AS build\nFROM alpine:3.20\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --from=busybox:1.36 /bin/sh /sh\nUSER 1\n';
    const result = dockerfile(text);
    const copied = result.images.filter((i) => i.dockerfile?.via === 'copy-from');
    assert.deepEqual(
      copied.map((i) => [i.raw, at(i.range)]),
      [['busybox:1.36', '5:13-5:25']],
    );
  });

  test('an invalid reference is its own finding, with the reason', () => {
    const result = dockerfile('FROM Nginx:Latest\nUSER 1\n');
    assert.equal(result.images[0]!.status, 'invalid');
    assert.deepEqual(rules(result), ['invalid-reference']);
    assert.match(result.findings[0]!.message, /lowercase/);
    assert.equal(result.findings[0]!.severity, 'error');
  });

  test('a Dockerfile template is skipped with a note', () => {
    const result = dockerfile('FROM {{ .BaseImage }}\nRUN true\n');
    assert.deepEqual(result.images, []);
    assert.deepEqual(result.findings, []);
    assert.match(result.notes[0]!, /template/);
  });
});

describe('unpinned-image', () => {
  test('latest, untagged and mutable tags, with their default severities', () => {
    const text =
      'FROM node:latest AS a\nFROM node AS b\nFROM node:22 AS c\nFROM node:22@' + DIGEST + ' AS d\nFROM node@' + DIGEST + '\nUSER node\n';
    const result = dockerfile(text);
    assert.deepEqual(
      result.findings.map((f) => [f.reason, f.severity, at(f.range)]),
      [
        ['latest', 'warning', '1:6-1:17'],
        ['untagged', 'warning', '2:6-2:10'],
        ['mutable-tag', 'info', '3:6-3:13'],
      ],
    );
    assert.match(result.findings[0]!.message, /Pin/);
  });

  test('a tag named Latest (capital) is a mutable tag, not latest', () => {
    assert.deepEqual(rules(dockerfile('FROM node:Latest\nUSER 1\n')), ['unpinned-image/mutable-tag']);
  });

  test('the message shows what a reference built from ARGs resolved to', () => {
    const result = dockerfile('ARG V=3.20\nFROM alpine:${V}\nUSER 1\n');
    assert.match(result.findings[0]!.message, /`alpine:\$\{V\}` \(`alpine:3\.20`\)/);
  });

  test('severities and the rule itself are configurable', () => {
    const text = 'FROM node:22\nUSER 1\n';
    assert.equal(dockerfile(text, { rules: { 'unpinned-image': { severity: 'error' } } }).findings[0]!.severity, 'error');
    assert.equal(
      dockerfile(text, { rules: { 'unpinned-image': { severity: { 'mutable-tag': 'warning' } } } }).findings[0]!.severity,
      'warning',
    );
    assert.deepEqual(dockerfile(text, { rules: { 'unpinned-image': { enabled: false } } }).findings, []);
  });
});

describe('root-user', () => {
  const explicit = ['root', '0', '0:0', 'root:wheel', '00', 'ContainerAdministrator'];
  for (const user of explicit) {
    test(`USER ${user} in the final stage is explicit root, on the USER instruction`, () => {
      const text = `FROM alpine@${DIGEST}\nUSER ${user}\n`;
      const result = dockerfile(text);
      assert.deepEqual(rules(result), ['root-user/explicit']);
      assert.equal(at(result.findings[0]!.range), `2:1-2:${6 + user.length}`);
      assert.equal(result.findings[0]!.severity, 'warning');
    });
  }

  test('no USER anywhere: implicit root, on the final FROM', () => {
    const text = `FROM alpine@${DIGEST} AS build\nUSER 1000\nFROM debian@${DIGEST}\nRUN true\n`;
    const result = dockerfile(text);
    assert.deepEqual(rules(result), ['root-user/implicit']);
    assert.equal(at(result.findings[0]!.range), `3:1-3:${6 + 'debian@'.length + DIGEST.length}`);
    assert.equal(result.findings[0]!.severity, 'info');
    assert.match(result.findings[0]!.message, /debian@/);
  });

  test('built FROM scratch with no USER and something to run is implicit root, and says why', () => {
    const result = dockerfile('FROM scratch\nCOPY app /\nENTRYPOINT ["/app"]\n');
    assert.deepEqual(rules(result), ['root-user/implicit']);
    assert.match(result.findings[0]!.message, /scratch/);
    assert.deepEqual(
      rules(
        dockerfile(
          'FROM golang:1.23@sha256:' + 'a'.repeat(64) + ' AS build\nCMD ["x"]\nFROM build\nFROM scratch\nCOPY --from=build /app /\n',
        ),
      ),
      [],
    );
    // Inherited through stages: a CMD in a scratch-based stage the final one is built from.
    assert.deepEqual(rules(dockerfile('FROM scratch AS base\nCMD ["/app"]\nFROM base\nCOPY app /\n')), ['root-user/implicit']);
  });

  test('a final FROM scratch stage with no ENTRYPOINT or CMD exports files (docker build --output): no root-user', () => {
    const text = `FROM golang:1.23@sha256:${'a'.repeat(64)} AS build\nRUN go build -o /out/app\nFROM scratch AS export\nCOPY --from=build /out /\n`;
    assert.deepEqual(dockerfile(text).findings, []);
  });

  test('distroless images tagged nonroot run as uid 65532: no implicit root-user; their root tags keep it', () => {
    for (const base of [
      'gcr.io/distroless/static-debian12:nonroot',
      'gcr.io/distroless/base:debug-nonroot',
      'gcr.io/distroless/java21:nonroot-arm64',
    ]) {
      assert.deepEqual(rules(dockerfile(`FROM ${base}@sha256:${'a'.repeat(64)}\nCOPY app /\n`)), [], base);
    }
    for (const base of [
      'gcr.io/distroless/static-debian12:latest',
      'gcr.io/distroless/base:debug',
      'example.com/distroless/static:nonroot',
      'nonroot:1',
    ]) {
      assert.deepEqual(rules(dockerfile(`FROM ${base}@sha256:${'a'.repeat(64)}\nCOPY app /\n`)), ['root-user/implicit'], base);
    }
  });

  test('the implicit root-user message shows what a FROM built from variables resolved to', () => {
    const result = dockerfile(`ARG BASE=node:22@sha256:${'a'.repeat(64)}\nFROM $BASE\nCOPY . .\n`);
    assert.match(result.findings[0]!.message, new RegExp(`base image \\\`\\$BASE\\\` \\(\\\`node:22@sha256:a{64}\\\`\\)`));
  });

  test('only the final stage counts', () => {
    const text = `FROM alpine@${DIGEST} AS build\nUSER root\nRUN make\nFROM alpine@${DIGEST}\nUSER 10001\n`;
    assert.deepEqual(dockerfile(text).findings, []);
  });

  test('a later USER overrides an earlier one in the same stage', () => {
    assert.deepEqual(dockerfile(`FROM a@${DIGEST}\nUSER root\nRUN x\nUSER app\n`).findings, []);
    assert.deepEqual(rules(dockerfile(`FROM a@${DIGEST}\nUSER app\nUSER root\n`)), ['root-user/explicit']);
  });

  test('USER is inherited through FROM <stage>, across several stages', () => {
    const text = `FROM alpine@${DIGEST} AS base\nUSER app\nFROM base AS mid\nRUN x\nFROM mid\nCMD run\n`;
    assert.deepEqual(dockerfile(text).findings, []);
    const rootText = `FROM alpine@${DIGEST} AS base\nUSER root\nFROM base\nCMD run\n`;
    const result = dockerfile(rootText);
    assert.deepEqual(rules(result), ['root-user/explicit']);
    assert.equal(at(result.findings[0]!.range), '2:1-2:10');
    assert.match(result.findings[0]!.message, /inherits/);
  });

  test('USER resolved through ARG and ENV, including ENV inherited from a parent stage', () => {
    assert.deepEqual(rules(dockerfile(`FROM a@${DIGEST}\nARG RUNAS=root\nUSER $RUNAS\n`)), ['root-user/explicit']);
    assert.deepEqual(rules(dockerfile(`FROM a@${DIGEST}\nENV RUNAS=0\nUSER \${RUNAS}:0\n`)), ['root-user/explicit']);
    assert.deepEqual(dockerfile(`FROM a@${DIGEST}\nARG UID=1000\nUSER \${UID}\n`).findings, []);
    const inherited = `FROM a@${DIGEST} AS base\nENV RUNAS=root\nFROM base\nUSER $RUNAS\n`;
    assert.deepEqual(rules(dockerfile(inherited)), ['root-user/explicit']);
  });

  test('a stage ARG without a default takes the global value or the build arg', () => {
    const text = `ARG RUNAS=root\nFROM a@${DIGEST}\nARG RUNAS\nUSER $RUNAS\n`;
    assert.deepEqual(rules(dockerfile(text)), ['root-user/explicit']);
    assert.deepEqual(dockerfile(text, { buildArgs: { RUNAS: 'app' } }).findings, []);
  });

  test('global ARGs are not visible inside a stage without a redeclaration', () => {
    const text = `ARG RUNAS=root\nFROM a@${DIGEST}\nUSER $RUNAS\n`;
    assert.deepEqual(dockerfile(text).findings, []);
  });

  test('an unresolvable USER $X is not flagged as root', () => {
    assert.deepEqual(dockerfile(`FROM a@${DIGEST}\nARG RUNAS\nUSER $RUNAS\n`).findings, []);
    assert.deepEqual(dockerfile(`FROM a@${DIGEST}\nUSER $NOBODY_KNOWS\n`).findings, []);
  });

  test('switched off by configuration', () => {
    assert.deepEqual(dockerfile(`FROM a@${DIGEST}\nUSER root\n`, { rules: { 'root-user': { enabled: false } } }).findings, []);
  });
});

describe('suppression', () => {
  test('a comment on the line above silences the named rule there only', () => {
    const text = `# shipshape-ignore unpinned-image\nFROM node:22 AS a\nFROM node:22\n# shipshape-ignore root-user -- needs root for apt\nUSER root\n`;
    const result = dockerfile(text);
    assert.deepEqual(
      result.findings.map((f) => [f.rule, f.range.start.line + 1]),
      [['unpinned-image', 3]],
    );
  });

  test('several rules, or all rules', () => {
    const text = `# shipshape-ignore unpinned-image,root-user\nFROM node:22\n`;
    assert.deepEqual(dockerfile(text).findings, []);
    assert.deepEqual(dockerfile(`# shipshape-ignore\nFROM node\n`).findings, []);
  });

  test('a suppression for another rule does not silence', () => {
    assert.deepEqual(rules(dockerfile(`# shipshape-ignore root-user\nFROM node:latest\nUSER 1\n`)), ['unpinned-image/latest']);
  });

  test('shipshape-ignore inside a RUN argument is not a comment in a Dockerfile', () => {
    const text = `FROM node:latest # shipshape-ignore\nUSER 1\n`;
    assert.ok(rules(dockerfile(text)).includes('unpinned-image/latest'));
  });
});

describe('the corpus', () => {
  const all = readdirSync(corpusPath('dockerfiles')).filter((f) => f.endsWith('.Dockerfile'));

  test('every corpus Dockerfile analyses without errors and yields at least one FROM', () => {
    for (const file of all) {
      const result = dockerfile(readCorpus(`dockerfiles/${file}`));
      assert.deepEqual(result.errors, [], file);
      assert.ok(result.images.length > 0, file);
      for (const image of result.images) {
        if (image.status === 'image') assert.ok(image.reference, file);
      }
    }
  });

  test('escape directive: #escape = ` with no final newline', () => {
    const result = dockerfile(readCorpus('dockerfiles/buildkit--frontend-dockerfile-parser-testfiles-escape.Dockerfile'));
    assert.deepEqual(statuses(result), ['image:image']);
    assert.deepEqual(rules(result), ['root-user/implicit', 'unpinned-image/untagged']);
  });

  test('escape with syntax: FROM continued onto the next line', () => {
    const text = readCorpus('dockerfiles/buildkit--frontend-dockerfile-parser-testfiles-escape-with-syntax.Dockerfile');
    const result = dockerfile(text);
    assert.deepEqual(statuses(result), ['image:image']);
    assert.equal(textAt(text, result.images[0]!.range), 'image');
    assert.equal(result.images[0]!.range.start.line, 4);
  });

  test('ingress-nginx certgen: unresolved golang, distroless final stage as 65532', () => {
    const result = dockerfile(readCorpus('dockerfiles/ingress-nginx--images-kube-webhook-certgen-rootfs.Dockerfile'));
    assert.deepEqual(statuses(result), ['unresolved:golang:${GOLANG_VERSION}', 'image:gcr.io/distroless/static:nonroot']);
    assert.deepEqual(
      result.images.map((i) => i.platform),
      ['$BUILDPLATFORM', '$BUILDPLATFORM'],
    );
    assert.deepEqual(rules(result), ['unresolved-image', 'unpinned-image/mutable-tag']);
  });

  test('ingress-nginx certgen with the build arg resolves golang', () => {
    const result = dockerfile(readCorpus('dockerfiles/ingress-nginx--images-kube-webhook-certgen-rootfs.Dockerfile'), {
      buildArgs: { GOLANG_VERSION: '1.25' },
    });
    assert.equal(result.images[0]!.resolved, 'golang:1.25');
  });

  test('adservice: pinned bases with --platform=$BUILDPLATFORM, no USER', () => {
    const result = dockerfile(readCorpus('dockerfiles/microservices-demo--src-adservice.Dockerfile'));
    assert.deepEqual(
      result.images.map((i) => [i.status, i.pinned, i.dockerfile!.stageName ?? null]),
      [
        ['image', true, 'builder'],
        ['image', true, null],
      ],
    );
    assert.equal(result.images[0]!.platform, 'linux/amd64');
    assert.deepEqual(rules(result), ['root-user/implicit']);
  });

  test('cartservice: USER 1000 in the final stage', () => {
    const result = dockerfile(readCorpus('dockerfiles/microservices-demo--src-cartservice-src.Dockerfile'));
    assert.ok(!rules(result).some((r) => r.startsWith('root-user')));
  });

  test('emailservice: stage base reused by two later stages', () => {
    const result = dockerfile(readCorpus('dockerfiles/microservices-demo--src-emailservice.Dockerfile'));
    assert.deepEqual(
      result.images.map((i) => i.status),
      ['image', 'stage', 'stage'],
    );
  });

  test('golang windows nanoserver: COPY --from an image, final USER ContainerUser', () => {
    const result = dockerfile(readCorpus('dockerfiles/golang--1.26-windows-nanoserver-ltsc2022.Dockerfile'));
    assert.ok(result.images.some((i) => i.dockerfile?.via === 'copy-from' && i.status === 'image'));
    assert.ok(!rules(result).some((r) => r.startsWith('root-user')));
  });

  test('ubi8: FROM a bare image ID', () => {
    const result = dockerfile(
      readCorpus('dockerfiles/trivy--pkg-fanal-analyzer-buildinfo-testdata-dockerfile-Dockerfile-ubi8-8.3-227.Dockerfile'),
    );
    assert.equal(result.images[0]!.status, 'id');
    assert.deepEqual(rules(result), ['root-user/implicit']);
  });

  test('buildkit root Dockerfile: 25 ARGs, heredocs, scratch stages, ARG-built stage names', () => {
    const result = dockerfile(readCorpus('dockerfiles/buildkit--root.Dockerfile'));
    const byStatus = (s: string) => result.images.filter((i) => i.status === s).length;
    assert.ok(byStatus('scratch') >= 3);
    assert.ok(byStatus('stage') >= 10);
    assert.ok(result.images.every((i) => i.status !== 'invalid'));
    const minio = result.images.find((i) => i.raw === 'quay.io/minio/minio:${MINIO_VERSION}')!;
    assert.match(minio.resolved!, /^quay\.io\/minio\/minio:RELEASE\./);
    // The final stage is `FROM buildkit-$TARGETOS…`, a stage chosen at build time: no root verdict.
    assert.ok(!rules(result).some((r) => r.startsWith('root-user')));
  });

  test('trivy fixture: FROM alpine:3.13, no USER (the DS-0002 case)', () => {
    const text = readCorpus('dockerfiles/trivy--integration-testdata-fixtures-repo-dockerfile.Dockerfile');
    const result = dockerfile(text);
    assert.deepEqual(rules(result), ['root-user/implicit', 'unpinned-image/mutable-tag']);
  });
});

test('ARG and ENV values that double at every step (a substitution bomb) leave the image unresolved; the file is still analysed', () => {
  const args = ['ARG A0=nginx', ...Array.from({ length: 40 }, (_, i) => `ARG A${i + 1}=\${A${i}}\${A${i}}`)];
  const fromArgs = dockerfile(`${args.join('\n')}\nFROM --platform=$A40 $A40\nUSER $A40\n`);
  assert.deepEqual(fromArgs.errors, []);
  assert.deepEqual(statuses(fromArgs), ['unresolved:$A40']);
  assert.deepEqual(rules(fromArgs), ['unresolved-image']);
  const envs = ['FROM nginx:1.27', 'ENV E0=root', ...Array.from({ length: 40 }, (_, i) => `ENV E${i + 1}=$E${i}$E${i}`)];
  const fromEnv = dockerfile(`${envs.join('\n')}\nUSER $E40\nCOPY --from=$E40 /a /b\n`);
  assert.deepEqual(fromEnv.errors, []);
  assert.deepEqual(statuses(fromEnv), ['image:nginx:1.27', 'unresolved:$E40']);
});

test('a FROM built from many variables is matched against the stage names in linear time', () => {
  const stage = 'a'.repeat(40);
  // With a regular expression of `.*`s, this one backtracked for 90 s (and longer ones for ever).
  const { result: unmatched, sources } = builtRegExps(() =>
    dockerfile(`FROM nginx:1 AS ${stage}\nUSER 1000\nFROM ${'${A}a'.repeat(12)}z\n`),
  );
  // No regular expression is made of the reference (the one that backtracked): the matcher is linear.
  assert.deepEqual(
    sources.filter((source) => source.includes('a')),
    [],
  );
  assert.deepEqual(rules(unmatched), ['unpinned-image/mutable-tag', 'root-user/implicit', 'unresolved-image']);
  assert.equal(unmatched.images[1]!.dockerfile!.maybeStage, undefined);
  const matched = dockerfile(`FROM nginx:1 AS ${stage}\nUSER 1000\nFROM ${'${A}a'.repeat(30)}\n`);
  assert.equal(matched.images[1]!.dockerfile!.maybeStage, true);
  // Literal parts in order, anywhere between the variables; case-insensitive, as stage names are.
  assert.equal(dockerfile('FROM nginx:1 AS Build-Linux-AMD64\nFROM BUILD-$OS-$ARCH\n').images[1]!.dockerfile!.maybeStage, true);
  assert.equal(dockerfile('FROM nginx:1 AS build-linux\nFROM build-$OS-$ARCH\n').images[1]!.dockerfile!.maybeStage, undefined);
  assert.equal(dockerfile('FROM nginx:1 AS xay\nFROM ${P}a${Q}\n').images[1]!.dockerfile!.maybeStage, true);
  assert.equal(dockerfile('FROM nginx:1 AS ya\nFROM ${P}a${Q}a\n').images[1]!.dockerfile!.maybeStage, undefined);
});
