import { spawnSync } from 'node:child_process';
import path from 'node:path';

const script = path.join(__dirname, 'start-service.mjs');
const run = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 10_000 });

describe('npm run start:service', () => {
  it('refuses an unknown service, naming the ones there are, before building anything', () => {
    const { status, stderr } = run('mfaa');
    expect(status).toBe(2);
    expect(stderr).toBe(
      'start-service: unknown service "mfaa". Usage: npm run start:service -- <service>, where <service> is one of: bulwark, identity-protection, mfa, sessions, siem-export, sign-in-logs\n',
    );
  });

  it('says how to call it when no service is named', () => {
    const { status, stderr } = run();
    expect(status).toBe(2);
    expect(stderr).toMatch(/^start-service: no service named\. Usage: npm run start:service -- <service>/);
  });
});
