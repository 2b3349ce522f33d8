#!/usr/bin/env node
// The npm registry reachable here lacks the other platforms' builds of some packages (@swc/core-darwin-*, …),
// so `npm install` leaves them out of package-lock.json and `npm ci` then refuses the lock as out of sync.
// This adds each missing optional platform package to the lock with the os/cpu its name states, so npm ci
// skips it on a machine it does not fit, as it would with the registry's own metadata.
// Run after any `npm install` that changes the lock: node tools/lockfile/complete-optional.cjs
const fs = require('node:fs');
const path = require('node:path');

const file = path.join(__dirname, '..', '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const oses = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openharmony', 'sunos', 'aix', 'openbsd', 'netbsd'];
const cpus = { x64: 'x64', arm64: 'arm64', arm: 'arm', ia32: 'ia32', ppc64: 'ppc64', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64', wasm32: 'wasm32' };

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((part) => oses.includes(part));
  const cpu = parts.map((part) => cpus[part]).find(Boolean);
  return os && cpu ? { os: [os], cpu: [cpu] } : null;
}

let added = 0;
for (const [location, entry] of Object.entries(lock.packages)) {
  for (const [dependency, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location ? `${location}/` : ''}node_modules/${dependency}`;
    const top = `node_modules/${dependency}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    const platform = platformOf(dependency);
    if (!platform) {
      console.error(`cannot tell the platform of ${dependency}: add it to the lock by hand`);
      process.exitCode = 1;
      continue;
    }
    lock.packages[top] = { version: spec.replace(/^[\^~=]/, ''), dev: entry.dev, optional: true, ...platform };
    if (!entry.dev) delete lock.packages[top].dev;
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
fs.writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional platform package(s) to package-lock.json`);
