import { Actor, RecordedEvent } from '@bulwark/contracts';
import { openReadDatabase, ProjectionRunner } from '@bulwark/event-store';
import { committedEvents } from '@bulwark/testing';
import Database from 'better-sqlite3';
import { inventoryRow, inventoryRows, tokenInventoryProjection, undeliveredAssignments, unfinishedImports } from './token-inventory.projection';

const admin: Actor = { type: 'admin', id: 'key:admin' };
const sealed = { keyId: 'k1', iv: 'iv-SEALED', tag: 'tag-SEALED', ciphertext: 'CIPHERTEXT-SEALED' };
const event = committedEvents({ actor: admin, streamOf: (type) => `stream-${type}` });
const at = (event: RecordedEvent) => (event.data as { at: string }).at;

const started = (importId: string, allOrNothing = true) => event('OathImportStarted', { importId, format: 'csv', fileName: 'tokens.csv', ...(allOrNothing ? { allOrNothing } : {}) });
const completed = (importId: string, imported: number) => event('OathImportCompleted', { importId, imported, assigned: 0, rejected: 0, errors: [] });
const failed = (importId: string) => event('OathImportFailed', { importId, reason: 'row 3: bad secret' });
const imported = (tokenId: string, importId: string) =>
  event('OathTokenImported', {
    tokenId, serialNumber: `SN-${tokenId}`, manufacturer: 'Yubico', model: 'OTP-C200', secret: sealed, oathType: 'totp', hashFunction: 'hmacsha1',
    digits: 6, period: 30, counter: null, importId,
  });
const assigned = (tokenId: string, userId: string) => event('OathTokenAssigned', { tokenId, userId });
const unassigned = (tokenId: string, userId: string) => event('OathTokenUnassigned', { tokenId, userId, reason: 'returned' });
const delivered = (tokenId: string, userId: string) =>
  event('HardwareTokenAssigned', {
    userId, methodId: tokenId, serialNumber: `SN-${tokenId}`, manufacturer: 'Yubico', model: 'OTP-C200', secret: sealed, oathType: 'totp',
    hashFunction: 'hmacsha1', digits: 6, period: 30, counter: null,
  });
const registered = (tokenId: string, userId: string, methodType = 'hardwareOath') => event('MethodRegistered', { userId, methodId: tokenId, methodType, displayName: null, timeStep: 59_000_000 });
const activationFailed = (tokenId: string, userId: string) => event('HardwareTokenActivationFailed', { userId, methodId: tokenId });
const removed = (tokenId: string, userId: string, methodType = 'hardwareOath') => event('MethodRemoved', { userId, methodId: tokenId, methodType, reason: null });

describe('the token inventory projection', () => {
  let db: Database.Database;
  let runner: ProjectionRunner;

  beforeEach(() => {
    db = openReadDatabase(':memory:');
    runner = new ProjectionRunner(db, tokenInventoryProjection, true);
  });
  afterEach(() => db.close());

  const statusOf = (tokenId: string) => inventoryRow(db, tokenId)?.status ?? null;
  const given = (...events: RecordedEvent[]) => runner.applyBatch(events);

  describe('imports', () => {
    it('given a token imported by an all-or-nothing job still running, then no query shows it and the job is unfinished', () => {
      given(started('i-1'), imported('t-1', 'i-1'));
      expect(inventoryRow(db, 't-1')).toBeNull();
      expect(inventoryRows(db, null)).toEqual([]);
      expect(unfinishedImports(db)).toEqual(['i-1']);
    });

    it('given a job completed, then all its tokens show as available and the job is finished', () => {
      const token = imported('t-1', 'i-1');
      given(started('i-1'), token, imported('t-2', 'i-1'), completed('i-1', 2));
      expect(inventoryRow(db, 't-1')).toEqual({
        token_id: 't-1', serial_number: 'SN-t-1', manufacturer: 'Yubico', model: 'OTP-C200', oath_type: 'totp', hash_function: 'hmacsha1', period: 30,
        status: 'available', assigned_to: null, created_at: at(token), updated_at: at(token), import_id: 'i-1', delivered: 0,
      });
      expect(inventoryRows(db, 'available').map((row) => row.token_id)).toEqual(['t-1', 't-2']);
      expect(unfinishedImports(db)).toEqual([]);
    });

    it('given a job failed, then its staged tokens are gone and the job is finished', () => {
      given(started('i-1'), imported('t-1', 'i-1'), failed('i-1'));
      expect(db.prepare('SELECT count(*) AS n FROM mfa_token_inventory').get()).toEqual({ n: 0 });
      expect(db.prepare('SELECT status FROM mfa_token_imports WHERE import_id = ?').get('i-1')).toEqual({ status: 'failed' });
      expect(unfinishedImports(db)).toEqual([]);
    });

    it('given a token of a job started before imports were all or nothing, then it shows at once', () => {
      given(started('i-0', false), imported('t-1', 'i-0'));
      expect(statusOf('t-1')).toBe('available');
    });
  });

  describe('assignment and activation', () => {
    const available = () => [started('i-1'), imported('t-1', 'i-1'), completed('i-1', 1)];

    it('given a token assigned, then it is assigned to the user and not yet delivered', () => {
      given(...available(), assigned('t-1', 'alice'));
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'assigned', assigned_to: 'alice', delivered: 0 }));
      expect(undeliveredAssignments(db)).toEqual([{ tokenId: 't-1', userId: 'alice' }]);
    });

    it('given a token assigned then given to the user\'s stream, then it is delivered', () => {
      given(...available(), assigned('t-1', 'alice'), delivered('t-1', 'alice'));
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'assigned', delivered: 1 }));
      expect(undeliveredAssignments(db)).toEqual([]);
    });

    it('given a token assigned then unassigned, then it is available to nobody', () => {
      const unassign = unassigned('t-1', 'alice');
      given(...available(), assigned('t-1', 'alice'), unassign);
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'available', assigned_to: null, updated_at: at(unassign) }));
    });

    it('given a hardware token activated, then it is activated and still the user\'s', () => {
      const activation = registered('t-1', 'alice');
      given(...available(), assigned('t-1', 'alice'), delivered('t-1', 'alice'), activation);
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'activated', assigned_to: 'alice', updated_at: at(activation) }));
    });

    it('given another kind of method registered under the same id, then the token is untouched', () => {
      given(...available(), assigned('t-1', 'alice'), registered('t-1', 'alice', 'softwareOath'));
      expect(statusOf('t-1')).toBe('assigned');
    });

    it('given a failed activation, then the token is failedActivation', () => {
      given(...available(), assigned('t-1', 'alice'), activationFailed('t-1', 'alice'));
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'failedActivation', assigned_to: 'alice' }));
    });

    it('given an activated token removed as a method, then it is back to assigned to the user', () => {
      given(...available(), assigned('t-1', 'alice'), registered('t-1', 'alice'), removed('t-1', 'alice'));
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'assigned', assigned_to: 'alice' }));
    });

    it('given another kind of method removed under the same id, then the token is untouched', () => {
      given(...available(), assigned('t-1', 'alice'), registered('t-1', 'alice'), removed('t-1', 'alice', 'phone'));
      expect(statusOf('t-1')).toBe('activated');
    });

    it('given a staged token assigned, then it stays staged but completes as assigned', () => {
      given(started('i-1'), imported('t-1', 'i-1'), assigned('t-1', 'alice'));
      expect(inventoryRow(db, 't-1')).toBeNull();
      given(completed('i-1', 1));
      expect(inventoryRow(db, 't-1')).toEqual(expect.objectContaining({ status: 'assigned', assigned_to: 'alice' }));
    });
  });

  it('given a failed all-or-nothing job applied again after the checkpoint was rewound, then its token stays hidden', () => {
    const batch = [started('i-9'), imported('t-9', 'i-9'), failed('i-9')];
    given(...batch);
    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    given(...batch);
    expect(inventoryRow(db, 't-9')).toBeNull();
  });

  it('given events applied again after the checkpoint was rewound, then the same rows', () => {
    const batch = [
      started('i-1'), imported('t-1', 'i-1'), imported('t-2', 'i-1'), imported('t-3', 'i-1'), completed('i-1', 3),
      assigned('t-1', 'alice'), delivered('t-1', 'alice'), registered('t-1', 'alice'),
      assigned('t-2', 'bob'), delivered('t-2', 'bob'), activationFailed('t-2', 'bob'),
      assigned('t-3', 'carol'), unassigned('t-3', 'carol'),
    ];
    given(...batch);
    const rows = () => ({ tokens: db.prepare('SELECT * FROM mfa_token_inventory ORDER BY token_id').all(), jobs: db.prepare('SELECT * FROM mfa_token_imports').all() });
    const before = rows();

    db.prepare('UPDATE projection_checkpoints SET position = 0').run();
    given(...batch);

    expect(rows()).toEqual(before);
    expect(inventoryRows(db, null).map((row) => [row.token_id, row.status, row.assigned_to, row.delivered])).toEqual([
      ['t-1', 'activated', 'alice', 1], ['t-2', 'failedActivation', 'bob', 1], ['t-3', 'available', null, 0],
    ]);
  });
});
