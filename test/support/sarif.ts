// The official SARIF 2.1.0 JSON schema (draft-04, as Microsoft's SARIF SDK ships it), compiled
// once for the tests that check a report against it.

import { readFileSync } from 'node:fs';
import Ajv from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const SCHEMA_FILE = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

/** A validator of SARIF 2.1.0 logs (its `errors` say what is wrong after a failed call). */
export function sarifValidator() {
  // The schema's patterns are not all valid in Unicode mode; its formats (uri, uri-reference, date-time) are checked.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as object);
}
