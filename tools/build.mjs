// Compiles every TypeScript file of apps/, libs/ and tools/ to dist/ with SWC (type-checking is `npm run typecheck`).
import { transformFile } from '@swc/core';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { swcOptions, root } = require('./swc-options.cjs');

async function* tsFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* tsFiles(full);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield full;
  }
}

const started = Date.now();
let count = 0;
for (const top of ['apps', 'libs', 'tools']) {
  for await (const file of tsFiles(path.join(root, top))) {
    const out = path.join(root, 'dist', path.relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, { ...swcOptions({ withPaths: true }), filename: file, outputPath: out });
    await mkdir(path.dirname(out), { recursive: true });
    await writeFile(out, code + `\n//# sourceMappingURL=${path.basename(out)}.map\n`);
    if (map) await writeFile(out + '.map', map);
    count++;
  }
}
console.error(`built ${count} files into dist/ in ${Date.now() - started} ms`);
