// Validates an OpenAPI document (a file, or stdin) with @seriousme/openapi-schema-validator, an ES module Jest cannot
// load: prints { valid, errors } as JSON and exits 1 when the document is not valid.
import { Validator } from '@seriousme/openapi-schema-validator';
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2] ?? 0, 'utf8');
const result = await new Validator().validate(JSON.parse(text));
process.stdout.write(`${JSON.stringify({ valid: result.valid, errors: result.errors ?? [] }, null, 2)}\n`);
process.exitCode = result.valid ? 0 : 1;
