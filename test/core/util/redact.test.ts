// URLs as they may be shown or kept (src/core/util/redact.ts): alert receivers, Trivy servers.

import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { redactUrl } from '../../../src/core/util/redact.js';

test('a URL is shown without credentials, query, fragment or any path segment that may be a token', () => {
  assert.equal(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX'), 'https://hooks.slack.com/services/…/…/…');
  assert.equal(
    redactUrl('https://user:pass@chat.example.com:8443/hooks/abcdefghijklmnopqrstuvwxyz?token=t#f'),
    'https://chat.example.com:8443/hooks/…',
  );
  assert.equal(
    redactUrl('https://acme.webhook.office.com/webhookb2/1c9e0b2e-0000@7f1a/IncomingWebhook/9b1d/0c3e'),
    'https://acme.webhook.office.com/…/…/IncomingWebhook/…/…',
  );
  assert.equal(redactUrl('http://127.0.0.1:9000'), 'http://127.0.0.1:9000');
});
