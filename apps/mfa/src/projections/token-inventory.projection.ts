import { Projection, prepared } from '@bulwark/event-store';
import Database from 'better-sqlite3';

type InventoryEventType =
  | 'OathImportStarted'
  | 'OathImportCompleted'
  | 'OathImportFailed'
  | 'OathTokenImported'
  | 'OathTokenAssigned'
  | 'OathTokenUnassigned'
  | 'HardwareTokenAssigned'
  | 'MethodRegistered'
  | 'HardwareTokenActivationFailed'
  | 'MethodRemoved';

/**
 * The hardware token inventory in Graph beta's hardwareOathTokenAuthenticationMethodDevice terms. A token staged
 * by an all-or-nothing import job is kept as `staged`, which no query shows, until its job completes (then all of
 * the job's tokens show at once, in one transaction) or fails (then they go). `delivered`: the user's stream has
 * the assignment too (HardwareTokenAssigned); an assignment a crash left half done is finished at the next start.
 */
export const tokenInventoryProjection: Projection<InventoryEventType> = {
  name: 'mfa_token_inventory',
  // 2: staged tokens, import jobs, delivered assignments
  version: 2,
  eventTypes: [
    'OathImportStarted',
    'OathImportCompleted',
    'OathImportFailed',
    'OathTokenImported',
    'OathTokenAssigned',
    'OathTokenUnassigned',
    'HardwareTokenAssigned',
    'MethodRegistered',
    'HardwareTokenActivationFailed',
    'MethodRemoved',
  ],
  setup(db) {
    // version 1's table had no import_id: its rows are rebuilt anyway
    const columns = db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('mfa_token_inventory')`).all();
    if (columns.length && !columns.some((column) => column.name === 'import_id')) db.exec('DROP TABLE mfa_token_inventory');
    db.exec(`CREATE TABLE IF NOT EXISTS mfa_token_inventory (
      token_id TEXT PRIMARY KEY, serial_number TEXT NOT NULL, manufacturer TEXT, model TEXT, oath_type TEXT NOT NULL, hash_function TEXT NOT NULL,
      period INTEGER, status TEXT NOT NULL, assigned_to TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
      import_id TEXT, delivered INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS mfa_token_inventory_by_serial ON mfa_token_inventory (serial_number);
    CREATE INDEX IF NOT EXISTS mfa_token_inventory_by_import ON mfa_token_inventory (import_id) WHERE status = 'staged';
    CREATE TABLE IF NOT EXISTS mfa_token_imports (import_id TEXT PRIMARY KEY, all_or_nothing INTEGER NOT NULL, status TEXT NOT NULL) WITHOUT ROWID;`);
  },
  reset(db) {
    db.exec('DELETE FROM mfa_token_inventory; DELETE FROM mfa_token_imports;');
  },
  apply(db, event) {
    const set = (tokenId: string, status: string, assignedTo: string | null | undefined, at: string) =>
      prepared(db, `UPDATE mfa_token_inventory SET status = CASE WHEN status = 'staged' THEN status ELSE ? END, assigned_to = CASE WHEN ? THEN ? ELSE assigned_to END, updated_at = ? WHERE token_id = ?`)
        .run(status, assignedTo === undefined ? 0 : 1, assignedTo ?? null, at, tokenId);
    const jobEnded = (importId: string, status: 'completed' | 'failed') =>
      prepared(db, 'UPDATE mfa_token_imports SET status = ? WHERE import_id = ?').run(status, importId);
    switch (event.type) {
      case 'OathImportStarted': {
        const { importId, allOrNothing } = event.data;
        prepared(db, `INSERT OR IGNORE INTO mfa_token_imports VALUES (?, ?, 'running')`).run(importId, allOrNothing ? 1 : 0);
        return;
      }
      case 'OathImportCompleted': {
        const { importId } = event.data;
        prepared(db, `UPDATE mfa_token_inventory SET status = CASE WHEN assigned_to IS NULL THEN 'available' ELSE 'assigned' END WHERE import_id = ? AND status = 'staged'`).run(importId);
        jobEnded(importId, 'completed');
        return;
      }
      case 'OathImportFailed': {
        const { importId } = event.data;
        prepared(db, `DELETE FROM mfa_token_inventory WHERE import_id = ? AND status = 'staged'`).run(importId);
        jobEnded(importId, 'failed');
        return;
      }
      case 'OathTokenImported': {
        const token = event.data;
        const job = prepared<[string], { all_or_nothing: number; status: string }>(db, 'SELECT all_or_nothing, status FROM mfa_token_imports WHERE import_id = ?').get(token.importId);
        // a token of a failed all-or-nothing job never shows, also when its events are applied again (a rewound checkpoint)
        if (job?.all_or_nothing === 1 && job.status === 'failed') return;
        const staged = job?.all_or_nothing === 1 && job.status === 'running';
        // a token whose earlier job failed was never shown: this import replaces it
        prepared(db, 'INSERT OR REPLACE INTO mfa_token_inventory VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 0)').run(
          token.tokenId,
          token.serialNumber,
          token.manufacturer,
          token.model,
          token.oathType,
          token.hashFunction,
          token.period,
          staged ? 'staged' : 'available',
          token.at,
          token.at,
          token.importId,
        );
        return;
      }
      case 'OathTokenAssigned': {
        const { tokenId, userId, at } = event.data;
        set(tokenId, 'assigned', userId, at);
        prepared(db, 'UPDATE mfa_token_inventory SET delivered = 0 WHERE token_id = ?').run(tokenId);
        return;
      }
      case 'HardwareTokenAssigned': {
        const { methodId } = event.data;
        prepared(db, 'UPDATE mfa_token_inventory SET delivered = 1 WHERE token_id = ?').run(methodId);
        return;
      }
      case 'OathTokenUnassigned': {
        const { tokenId, at } = event.data;
        set(tokenId, 'available', null, at);
        return;
      }
      case 'MethodRegistered': {
        const { methodId, methodType, at } = event.data;
        if (methodType === 'hardwareOath') set(methodId, 'activated', undefined, at);
        return;
      }
      case 'HardwareTokenActivationFailed': {
        const { methodId, at } = event.data;
        set(methodId, 'failedActivation', undefined, at);
        return;
      }
      case 'MethodRemoved': {
        const { methodId, methodType, at } = event.data;
        if (methodType === 'hardwareOath') set(methodId, 'assigned', undefined, at);
        return;
      }
    }
  },
};

export type InventoryRow = {
  token_id: string; serial_number: string; manufacturer: string | null; model: string | null; oath_type: string; hash_function: string;
  period: number | null; status: string; assigned_to: string | null; created_at: string; updated_at: string; import_id: string | null; delivered: number;
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
    ? prepared<[string], InventoryRow>(db, `SELECT * FROM mfa_token_inventory WHERE status = ? AND status != 'staged' ORDER BY serial_number LIMIT 1000`).all(status)
    : prepared<[], InventoryRow>(db, `SELECT * FROM mfa_token_inventory WHERE status != 'staged' ORDER BY serial_number LIMIT 1000`).all();

export const inventoryRow = (db: Database.Database, tokenId: string) =>
  prepared<[string], InventoryRow>(db, `SELECT * FROM mfa_token_inventory WHERE token_id = ? AND status != 'staged'`).get(tokenId) ?? null;

/** Import jobs the projection has seen start and not end. */
export const unfinishedImports = (db: Database.Database) =>
  prepared<[], { import_id: string }>(db, `SELECT import_id FROM mfa_token_imports WHERE status = 'running'`).all().map((row) => row.import_id);

/** Tokens assigned in the inventory whose user's stream does not have them yet. */
export const undeliveredAssignments = (db: Database.Database) =>
  prepared<[], { tokenId: string; userId: string }>(db, `SELECT token_id AS tokenId, assigned_to AS userId FROM mfa_token_inventory WHERE status = 'assigned' AND delivered = 0`).all();
