// @vitest-environment node
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';

const spec = new URL('../../openapi.json', import.meta.url);
const committed = fileURLToPath(new URL('../src/api/schema.d.ts', import.meta.url));

describe('the API types', () => {
  it('are what openapi-typescript makes of the committed openapi.json (run `npm run types` after `make openapi`)', async () => {
    const generated = astToString(await openapiTS(spec));
    const file = readFileSync(committed, 'utf8');
    // The file npm run types writes is the same text behind the CLI's banner comment.
    expect(file.endsWith(generated)).toBe(true);
  });
});
