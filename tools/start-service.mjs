// Starts one Bulwark service as its container does: `npm run start:service -- mfa`.
// The services are the apps with a src/main.ts; dist/ is rebuilt first when a source file is newer than it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const services = readdirSync(path.join(root, 'apps')).filter((name) => existsSync(path.join(root, 'apps', name, 'src', 'main.ts')));
const service = process.argv[2];

if (!service || !services.includes(service)) {
  const given = service ? `unknown service "${service}"` : 'no service named';
  console.error(`start-service: ${given}. Usage: npm run start:service -- <service>, where <service> is one of: ${services.join(', ')}`);
  process.exit(2);
}

const entry = path.join(root, 'dist', 'apps', service, 'src', 'main.js');

/** The newest modification time of the TypeScript sources under these folders (specs aside: they are not built). */
function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of dirs) walk(path.join(root, dir));
  return newest;
}

if (!existsSync(entry) || statSync(entry).mtimeMs < newestSource(['apps', 'libs'])) {
  const build = spawnSync(process.execPath, [path.join(root, 'tools', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const child = spawn(process.execPath, [entry], { cwd: root, stdio: 'inherit' });
// the service shuts down on the signal it is sent, as under `docker stop`
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
