import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BulwarkConfig, ConfigError, Role, ROLES } from './config';

export type Credentials = { keys: Record<Role, string>; file: string | null; created: boolean };

/**
 * Role keys: from the environment, else from `<dataDir>/credentials.json`, which the first start creates
 * with a random key per role (mode 0600). The keys themselves are never printed.
 */
export function loadCredentials(config: BulwarkConfig): Credentials {
  const key = `${config.dataDir}\u0000${JSON.stringify(config.keysFromEnv)}`;
  const loaded = loaded_.get(key) ?? readOrCreate(config);
  loaded_.set(key, loaded);
  return loaded;
}

// one process reads (and, the first time, creates) the file once; `created` says whether this process made it
const loaded_ = new Map<string, Credentials>();

function readOrCreate(config: BulwarkConfig): Credentials {
  const missing = ROLES.filter((role) => !config.keysFromEnv[role]);
  if (!missing.length) return { keys: config.keysFromEnv as Record<Role, string>, file: null, created: false };
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(config.dataDir, 'credentials.json');
  let stored: Partial<Record<Role, string>> = {};
  let created = false;
  if (existsSync(file)) {
    try {
      stored = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ConfigError(`${file} is not valid JSON: fix or delete it`);
    }
  }
  const absent = missing.filter((role) => typeof stored[role] !== 'string' || stored[role]!.length < 16);
  if (absent.length) {
    for (const role of absent) stored[role] = randomBytes(24).toString('base64url');
    writeFileSync(file, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
    created = true;
  }
  chmodSync(file, 0o600);
  const keys = Object.fromEntries(ROLES.map((role) => [role, config.keysFromEnv[role] ?? stored[role]!])) as Record<Role, string>;
  return { keys, file, created };
}

/** Resolves a presented key to its role in constant time per role. */
export class KeyRing {
  private readonly digests: Array<{ role: Role; digest: Buffer }>;

  constructor(keys: Record<Role, string>) {
    this.digests = ROLES.map((role) => ({ role, digest: sha256(keys[role]) }));
  }

  roleOf(presented: string): Role | null {
    const digest = sha256(presented);
    let found: Role | null = null;
    for (const entry of this.digests) if (timingSafeEqual(entry.digest, digest)) found = entry.role;
    return found;
  }
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

/** The key that seals secrets at rest: BULWARK_ENCRYPTION_KEY (32 bytes, base64), else `<dataDir>/data.key`. */
export function loadDataKey(config: BulwarkConfig): Buffer {
  if (config.encryptionKeyFromEnv) {
    const key = Buffer.from(config.encryptionKeyFromEnv, 'base64');
    if (key.length !== 32) throw new ConfigError('BULWARK_ENCRYPTION_KEY must be 32 bytes in base64 (openssl rand -base64 32)');
    return key;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const file = path.join(config.dataDir, 'data.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new ConfigError(`${file} must hold 32 bytes in base64`);
  return key;
}
