// Compose env files as Docker Compose reads them, and the order of the environment over them.

import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { composeEnvironment, overlayFiles, parseDotenv } from '../../../src/core/index.js';
import { readCorpus } from '../../support/analysis.js';

describe('parseDotenv', () => {
  test('comments, export, quotes, escapes, inline comments, empty values', () => {
    const { values, problems } = parseDotenv(
      [
        '# a comment',
        '',
        'PLAIN=value',
        'export EXPORTED=yes',
        'SPACED = padded  ',
        'INLINE=1.27 # the version',
        'HASH=a#b',
        "SINGLE='no $PLAIN here # kept'",
        'DOUBLE="line\\nbreak \\"quoted\\" $PLAIN"',
        'EMPTY=',
        'MULTI="first',
        'second"',
      ].join('\n'),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(
      { ...values },
      {
        PLAIN: 'value',
        EXPORTED: 'yes',
        SPACED: 'padded',
        INLINE: '1.27',
        HASH: 'a#b',
        SINGLE: 'no $PLAIN here # kept',
        DOUBLE: 'line\nbreak "quoted" value',
        EMPTY: '',
        MULTI: 'first\nsecond',
      },
    );
  });

  test('interpolation of earlier lines and of the environment, with defaults; a bare name passes the environment on', () => {
    const env: Record<string, string> = { HOME_REGISTRY: 'registry.lan:5000', FROM_SHELL: 'shell' };
    const { values } = parseDotenv(
      'REGISTRY=${HOME_REGISTRY}\nIMAGE=$REGISTRY/app\nTAG=${TAG:-1.2.3}\nFROM_SHELL\nUNSET_NAME\nCRLF=x\r\n',
      (n) => env[n],
    );
    assert.deepEqual(
      { ...values },
      { REGISTRY: 'registry.lan:5000', IMAGE: 'registry.lan:5000/app', TAG: '1.2.3', FROM_SHELL: 'shell', CRLF: 'x' },
    );
  });

  test('lines that are no assignment and unclosed quotes are problems with their line; the rest is read', () => {
    const { values, problems } = parseDotenv('GOOD=1\n!!bad line\nOPEN="never closed\nALSO=2\n');
    assert.deepEqual({ ...values }, { GOOD: '1' });
    assert.deepEqual(
      problems.map((p) => p.line),
      [2, 3],
    );
  });

  test('a quote left open over very many lines is read once (a hostile .env); an escape at a line end still escapes the newline', () => {
    const lines = 100_000;
    const { values, problems } = parseDotenv(`GOOD=1\nOPEN="${'x'.repeat(40)}\n${`${'y'.repeat(40)}\n`.repeat(lines)}`);
    assert.deepEqual({ ...values }, { GOOD: '1' });
    assert.deepEqual(problems, [{ line: 2, message: 'the value of OPEN opens a double quote that is never closed' }]);
    assert.deepEqual({ ...parseDotenv('A="a\\\n"b"\nB=2\n').values }, { A: 'a\\\n', B: '2' });
  });

  test('the real .env files of the awesome-compose samples', () => {
    const { values, problems } = parseDotenv(readCorpus('realworld/awesome-compose/wireguard/.env'));
    assert.deepEqual(problems, []);
    assert.deepEqual({ ...values }, { TIMEZONE: 'Etc/UTC', VPN_SERVER_URL: 'your-domain.dyndns.com' });
    const pihole = parseDotenv(readCorpus('realworld/awesome-compose/pihole-cloudflared-DoH/.env'));
    assert.equal(pihole.values['PIHOLE_HOST_IPV6'], '');
    assert.equal(pihole.values['PIHOLE_REVERSE_DNS'], '192.168.178.0/24');
  });

  test('a name like a prototype key is a plain variable', () => {
    assert.equal(parseDotenv('__proto__=x\nconstructor=y\n').values['constructor'], 'y');
    assert.equal(Object.getPrototypeOf(parseDotenv('A=1').values), null);
  });
});

describe('composeEnvironment', () => {
  const folder = path.resolve('/project');
  const files = overlayFiles(
    new Map([
      [path.join(folder, '.env'), 'TAG=from-dotenv\nREGISTRY=dotenv.lan\nONLY_DOTENV=1\n'],
      [path.join(folder, 'prod.env'), 'TAG=from-prod\n'],
      [path.join(folder, 'extra.env'), 'TAG=from-extra\nEXTRA=1\n'],
    ]),
  );

  test('.env, then the process environment over it, then the values given one by one', async () => {
    const env = await composeEnvironment(folder, { processEnv: { REGISTRY: 'shell.lan' }, overrides: { TAG: 'given' } }, files);
    assert.deepEqual({ ...env.values }, { TAG: 'given', REGISTRY: 'shell.lan', ONLY_DOTENV: '1' });
    assert.deepEqual(env.files, [path.join(folder, '.env')]);
  });

  test('--env-file replaces .env; later files win; a missing given file is said, a missing .env is not', async () => {
    const env = await composeEnvironment(folder, { envFiles: ['prod.env', path.join(folder, 'extra.env'), 'gone.env'] }, files);
    assert.deepEqual({ ...env.values }, { TAG: 'from-extra', EXTRA: '1' });
    assert.deepEqual(
      env.problems.map((p) => p.file),
      [path.join(folder, 'gone.env')],
    );
    assert.deepEqual((await composeEnvironment(path.resolve('/elsewhere'), {}, files)).problems, []);
  });
});
