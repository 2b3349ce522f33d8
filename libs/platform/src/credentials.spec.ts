import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './config';
import { KeyRing, loadCredentials, loadDataKey } from './credentials';
import { SealedBox } from './sealed-box';

const freshDir = () => mkdtempSync(path.join(tmpdir(), 'bulwark-credentials-'));

describe('role keys', () => {
  it('are generated on the first start into credentials.json, mode 0600, one random key per role', () => {
    const dataDir = freshDir();
    const first = loadCredentials(loadConfig({ BULWARK_DATA_DIR: dataDir }, 'test'));
    expect(first.created).toBe(true);
    expect(first.file).toBe(path.join(dataDir, 'credentials.json'));
    expect(statSync(first.file!).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(first.file!, 'utf8'));
    expect(Object.keys(stored).sort()).toEqual(['admin', 'analyst', 'app', 'siem']);
    expect(new Set(Object.values(stored)).size).toBe(4);
    expect(first.keys).toEqual(stored);
  });

  it('are read back, not regenerated, on the next start', () => {
    const dataDir = freshDir();
    const first = loadCredentials(loadConfig({ BULWARK_DATA_DIR: dataDir }, 'test'));
    const written = readFileSync(first.file!, 'utf8');
    const again = loadCredentials(loadConfig({ BULWARK_DATA_DIR: dataDir }, 'test'));
    expect(again.keys).toEqual(first.keys);
    expect(readFileSync(first.file!, 'utf8')).toBe(written);
  });

  it('come from the environment when given there', () => {
    const env = { BULWARK_DATA_DIR: freshDir(), BULWARK_KEY_ADMIN: 'a'.repeat(20), BULWARK_KEY_ANALYST: 'b'.repeat(20), BULWARK_KEY_SIEM: 'c'.repeat(20), BULWARK_KEY_APP: 'd'.repeat(20) };
    const credentials = loadCredentials(loadConfig(env, 'test'));
    expect(credentials).toMatchObject({ file: null, keys: { admin: 'a'.repeat(20), app: 'd'.repeat(20) } });
    expect(() => loadConfig({ BULWARK_KEY_APP: 'short' }, 'test')).toThrow(ConfigError);
  });

  it('refuse a credentials file that is not JSON rather than replacing it', () => {
    const dataDir = freshDir();
    writeFileSync(path.join(dataDir, 'credentials.json'), '{not json');
    expect(() => loadCredentials(loadConfig({ BULWARK_DATA_DIR: dataDir }, 'test'))).toThrow(/not valid JSON/);
  });

  it('resolve a presented key to its role, and anything else to no role', () => {
    const ring = new KeyRing({ admin: 'admin-key-000000000', analyst: 'analyst-key-0000000', siem: 'siem-key-0000000000', app: 'app-key-00000000000' });
    expect(ring.roleOf('analyst-key-0000000')).toBe('analyst');
    expect(ring.roleOf('analyst-key-0000001')).toBeNull();
    expect(ring.roleOf('')).toBeNull();
  });
});

describe('configuration', () => {
  it('refuses a bad port, an unknown delivery, and Kafka delivery without brokers', () => {
    expect(() => loadConfig({ PORT: 'eighty' }, 'test')).toThrow(/PORT/);
    expect(() => loadConfig({ BULWARK_DELIVERY: 'carrier-pigeon' }, 'test')).toThrow(/BULWARK_DELIVERY/);
    expect(() => loadConfig({ BULWARK_DELIVERY: 'kafka' }, 'test')).toThrow(/KAFKA_BROKERS/);
    expect(loadConfig({}, 'test')).toMatchObject({ port: 3000, delivery: 'in-process', eventStoreConnectionString: null, kafkaBrokers: null, eventsTopic: 'bulwark.events.v1' });
  });
});

describe('secrets at rest', () => {
  it('are sealed with AES-256-GCM under the data key, bound to their context', () => {
    const dataDir = freshDir();
    const box = new SealedBox(loadDataKey(loadConfig({ BULWARK_DATA_DIR: dataDir }, 'test')));
    expect(statSync(path.join(dataDir, 'data.key')).mode & 0o777).toBe(0o600);
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'alice/m1');
    expect(JSON.stringify(sealed)).not.toContain('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'alice/m1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => box.open(sealed, 'mallory/m1')).toThrow();
    expect(() => box.open({ ...sealed, ciphertext: Buffer.from('tampered').toString('base64') }, 'alice/m1')).toThrow();
  });

  it('use BULWARK_ENCRYPTION_KEY when given, and refuse one of the wrong size', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    expect(loadDataKey(loadConfig({ BULWARK_DATA_DIR: freshDir(), BULWARK_ENCRYPTION_KEY: key }, 'test')).equals(Buffer.alloc(32, 7))).toBe(true);
    expect(() => loadDataKey(loadConfig({ BULWARK_DATA_DIR: freshDir(), BULWARK_ENCRYPTION_KEY: 'c2hvcnQ=' }, 'test'))).toThrow(/32 bytes/);
  });
});
