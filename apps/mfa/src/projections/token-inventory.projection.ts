import { HardwareTokenActivationFailed, MethodRegistered, MethodRemoved, OathTokenAssigned, OathTokenImported, OathTokenUnassigned, RecordedEvent } from '@bulwark/contracts';
import { Projection, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

/** The hardware token inventory in Graph beta's hardwareOathTokenAuthenticationMethodDevice terms. */
export const tokenInventoryProjection: Projection = {
  name: 'mfa_token_inventory',
  version: 1,
  eventTypes: ['OathTokenImported', 'OathTokenAssigned', 'OathTokenUnassigned', 'MethodRegistered', 'HardwareTokenActivationFailed', 'MethodRemoved'],
  setup(db) {
    db.exec(`CREATE TABLE IF NOT EXISTS mfa_token_inventory (
      token_id TEXT PRIMARY KEY, serial_number TEXT NOT NULL, manufacturer TEXT, model TEXT, oath_type TEXT NOT NULL, hash_function TEXT NOT NULL,
      period INTEGER, status TEXT NOT NULL, assigned_to TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS mfa_token_inventory_by_serial ON mfa_token_inventory (serial_number);`);
  },
  reset(db) {
    db.exec('DELETE FROM mfa_token_inventory');
  },
  apply(db, event) {
    const set = (tokenId: string, status: string, assignedTo: string | null | undefined, at: string) =>
      prepared(db, `UPDATE mfa_token_inventory SET status = ?, assigned_to = CASE WHEN ? THEN ? ELSE assigned_to END, updated_at = ? WHERE token_id = ?`)
        .run(status, assignedTo === undefined ? 0 : 1, assignedTo ?? null, at, tokenId);
    switch (event.type) {
      case 'OathTokenImported': {
        const token = (event as unknown as RecordedEvent<OathTokenImported>).data;
        prepared(db, 'INSERT OR IGNORE INTO mfa_token_inventory VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)').run(
          token.tokenId,
          token.serialNumber,
          token.manufacturer,
          token.model,
          token.oathType,
          token.hashFunction,
          token.period,
          'available',
          token.at,
          token.at,
        );
        return;
      }
      case 'OathTokenAssigned': {
        const { tokenId, userId, at } = (event as unknown as RecordedEvent<OathTokenAssigned>).data;
        set(tokenId, 'assigned', userId, at);
        return;
      }
      case 'OathTokenUnassigned': {
        const { tokenId, at } = (event as unknown as RecordedEvent<OathTokenUnassigned>).data;
        set(tokenId, 'available', null, at);
        return;
      }
      case 'MethodRegistered': {
        const { methodId, methodType, at } = (event as unknown as RecordedEvent<MethodRegistered>).data;
        if (methodType === 'hardwareOath') set(methodId, 'activated', undefined, at);
        return;
      }
      case 'HardwareTokenActivationFailed': {
        const { methodId, at } = (event as unknown as RecordedEvent<HardwareTokenActivationFailed>).data;
        set(methodId, 'failedActivation', undefined, at);
        return;
      }
      case 'MethodRemoved': {
        const { methodId, methodType, at } = (event as unknown as RecordedEvent<MethodRemoved>).data;
        if (methodType === 'hardwareOath') set(methodId, 'assigned', undefined, at);
        return;
      }
    }
  },
};

export type InventoryRow = {
  token_id: string; serial_number: string; manufacturer: string | null; model: string | null; oath_type: string; hash_function: string;
  period: number | null; status: string; assigned_to: string | null; created_at: string; updated_at: string;
};

/** Graph beta's shape; `secretKey` always reads null, as Graph's does. */
export const toGraphDevice = (row: InventoryRow) => ({
  id: row.token_id,
  displayName: null,
  serialNumber: row.serial_number,
  manufacturer: row.manufacturer,
  model: row.model,
  secretKey: null,
  timeIntervalInSeconds: row.period,
  hashFunction: row.hash_function,
  status: row.status,
  lastUsedDateTime: null,
  assignedTo: row.assigned_to ? { id: row.assigned_to, displayName: null } : null,
});

export const inventoryRows = (db: Database.Database, status: string | null) =>
  status
    ? prepared<[string], InventoryRow>(db, 'SELECT * FROM mfa_token_inventory WHERE status = ? ORDER BY serial_number LIMIT 1000').all(status)
    : prepared<[], InventoryRow>(db, 'SELECT * FROM mfa_token_inventory ORDER BY serial_number LIMIT 1000').all();

export const inventoryRow = (db: Database.Database, tokenId: string) =>
  prepared<[string], InventoryRow>(db, 'SELECT * FROM mfa_token_inventory WHERE token_id = ?').get(tokenId) ?? null;
