import { DomainError } from '@bulwark/contracts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { graphErrorCode, toResponse } from './errors';

/** Every .ts file under a folder, specs excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sources(full);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe("error codes at the edge: Graph's camelCase, one convention", () => {
  it('writes a domain code in camelCase and leaves camelCase codes as they are', () => {
    expect(graphErrorCode('INVALID_CODE')).toBe('invalidCode');
    expect(graphErrorCode('USER_NOT_FOUND')).toBe('userNotFound');
    expect(graphErrorCode('SIEM_KAFKA_NOT_CONFIGURED')).toBe('siemKafkaNotConfigured');
    expect(graphErrorCode('badRequest')).toBe('badRequest');
    expect(toResponse(new DomainError('METHOD_LIMIT_REACHED', 'conflict', 'five tokens'), undefined)).toMatchObject({
      status: 409,
      body: { error: { code: 'methodLimitReached', message: 'five tokens' } },
    });
  });

  it('gives every code the services raise or answer a camelCase form', () => {
    const root = path.join(__dirname, '../../..');
    const codes = [...new Set(['apps', 'libs'].flatMap((top) => sources(path.join(root, top))).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(/new (?:DomainError|ApiError)\((?:\d+, )?'([^']+)'/g)].map((match) => match[1]!);
    }))];
    expect(codes.length).toBeGreaterThan(40);
    expect(codes.map(graphErrorCode).filter((code) => !/^[a-z][A-Za-z0-9]*$/.test(code))).toEqual([]);
  });
});
