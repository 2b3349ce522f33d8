// Writes the OpenAPI document of the embedded Bulwark (every service) to docs/openapi.json, the input of the
// generated client in test/generated/bulwark-api (`npm run openapi:client`). The app is created, not started:
// collecting the routes needs no port, no store connection and no consumer.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig, openApiDocument } from '@bulwark/platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BulwarkModule } from '../../apps/bulwark/src/bulwark.module';

const output = path.resolve(__dirname, '../../docs/openapi.json');

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bulwark-openapi-'));
  try {
    // throwaway keys: the document names roles, never keys
    const env = { BULWARK_DATA_DIR: dataDir, BULWARK_KEY_ADMIN: 'x'.repeat(32), BULWARK_KEY_ANALYST: 'y'.repeat(32), BULWARK_KEY_SIEM: 'z'.repeat(32), BULWARK_KEY_APP: 'w'.repeat(32) };
    const app = await NestFactory.create(BulwarkModule.forRoot(loadConfig(env, 'bulwark')), { bodyParser: false, logger: ['error'] });
    const document = openApiDocument(app, 'Bulwark');
    writeFileSync(output, `${JSON.stringify(document, null, 2)}\n`);
    await app.close();
    console.error(`wrote ${path.relative(process.cwd(), output)}: ${Object.keys(document.paths).length} paths`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
