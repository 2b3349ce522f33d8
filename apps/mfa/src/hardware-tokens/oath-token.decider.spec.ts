import { DomainError, OathTokenEvent, OathTokenImported } from '@bulwark/contracts';
import { decide, evolve, initialState, OathTokenCommand } from './oath-token.decider';

const AT = '2026-01-01T10:00:00.000Z';
const token = (importId: string): Omit<OathTokenImported['data'], 'at'> => ({
  tokenId: 't-1',
  serialNumber: 'SN-1',
  manufacturer: null,
  model: null,
  secret: { keyId: 'k', iv: 'i', tag: 't', ciphertext: 'c' },
  oathType: 'hotp',
  hashFunction: 'hmacsha1',
  digits: 6,
  period: null,
  counter: '18446744073709551615',
  importId,
});
const imported = (importId: string): OathTokenEvent => ({ type: 'OathTokenImported', data: { ...token(importId), at: AT } });
const importCommand = (importId: string, extra: { assignTo?: string | null; priorImportFailed?: boolean } = {}): OathTokenCommand => ({
  type: 'ImportToken',
  data: { ...token(importId), assignTo: extra.assignTo ?? null, priorImportFailed: extra.priorImportFailed ?? false, now: AT },
});
const decideAfter = (given: OathTokenEvent[], command: OathTokenCommand) => decide(command, given.reduce(evolve, initialState()));
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as DomainError).code;
  }
  return null;
};

describe('an OATH token', () => {
  describe('absent', () => {
    it('is staged with its assignment, in one decision, keeping a 64-bit counter exactly', () => {
      expect(decideAfter([], importCommand('job-1', { assignTo: 'alice' }))).toEqual([imported('job-1'), { type: 'OathTokenAssigned', data: { tokenId: 't-1', userId: 'alice', at: AT } }]);
    });
  });

  describe('staged by a job that has not completed', () => {
    it('cannot be assigned: it does not exist yet', () => {
      expect(codeOf(() => decideAfter([imported('job-1')], { type: 'AssignToken', data: { tokenId: 't-1', userId: 'bob', importCompleted: false, now: AT } }))).toBe('TOKEN_NOT_FOUND');
    });

    it('is assigned once its job completed', () => {
      expect(decideAfter([imported('job-1')], { type: 'AssignToken', data: { tokenId: 't-1', userId: 'bob', importCompleted: true, now: AT } })).toEqual([
        { type: 'OathTokenAssigned', data: { tokenId: 't-1', userId: 'bob', at: AT } },
      ]);
    });
  });

  describe('imported by a job that failed', () => {
    it('is imported again by a later job', () => {
      expect(decideAfter([imported('job-1')], importCommand('job-2', { priorImportFailed: true }))).toEqual([imported('job-2')]);
    });
  });

  describe('imported by a job that did not fail', () => {
    it('refuses a second import of its serial number', () => {
      expect(codeOf(() => decideAfter([imported('job-1')], importCommand('job-2')))).toBe('TOKEN_EXISTS');
    });
  });
});
