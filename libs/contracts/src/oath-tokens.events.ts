import { z } from 'zod';
import { oathTokenProfile } from './mfa.events';
import { EventContract } from './registry';

/**
 * The hardware token inventory: one stream per token (`oath_token-<tokenId>`, the id derived from the serial
 * number so a serial is imported once), and one per import job (`oath_import-<jobId>`). Written by the mfa service.
 */

const id = z.string().min(1).max(200);
const at = z.iso.datetime();

/**
 * A token staged by its import job: it exists (in the inventory, for assignment) only once the job's
 * OathImportCompleted is recorded, unless the job was started before imports were all or nothing.
 */
export const oathTokenImported = z.object({
  tokenId: id,
  ...oathTokenProfile,
  importId: id,
  at,
});
export const oathTokenAssigned = z.object({ tokenId: id, userId: z.string().min(1).max(256), at });
export const oathTokenUnassigned = z.object({ tokenId: id, userId: z.string().min(1).max(256), reason: z.string().max(500), at });

const rowError = z.object({ row: z.number().int().nonnegative(), serialNumber: z.string().max(200).nullable(), reason: z.string().max(1000) });
export const oathImportStarted = z.object({
  importId: id,
  format: z.enum(['csv', 'pskc']),
  fileName: z.string().max(300).nullable(),
  /** its tokens count only once OathImportCompleted commits them; absent in jobs started before (their rows landed one by one) */
  allOrNothing: z.literal(true).optional(),
  at,
});
export const oathImportCompleted = z.object({
  importId: id,
  imported: z.number().int().nonnegative(),
  assigned: z.number().int().nonnegative(),
  rejected: z.number().int().nonnegative(),
  errors: z.array(rowError).max(10_000),
  at,
});
export const oathImportFailed = z.object({ importId: id, reason: z.string().max(1000), at });

export type OathTokenImported = { type: 'OathTokenImported'; data: z.infer<typeof oathTokenImported> };
export type OathTokenAssigned = { type: 'OathTokenAssigned'; data: z.infer<typeof oathTokenAssigned> };
export type OathTokenUnassigned = { type: 'OathTokenUnassigned'; data: z.infer<typeof oathTokenUnassigned> };
export type OathTokenEvent = OathTokenImported | OathTokenAssigned | OathTokenUnassigned;
export type OathImportStarted = { type: 'OathImportStarted'; data: z.infer<typeof oathImportStarted> };
export type OathImportCompleted = { type: 'OathImportCompleted'; data: z.infer<typeof oathImportCompleted> };
export type OathImportFailed = { type: 'OathImportFailed'; data: z.infer<typeof oathImportFailed> };
export type OathImportEvent = OathImportStarted | OathImportCompleted | OathImportFailed;

export const oathTokenContracts: EventContract[] = [
  { type: 'OathTokenImported', schemaVersion: 1, schema: oathTokenImported, privateFields: ['secret'] },
  { type: 'OathTokenAssigned', schemaVersion: 1, schema: oathTokenAssigned },
  { type: 'OathTokenUnassigned', schemaVersion: 1, schema: oathTokenUnassigned },
  { type: 'OathImportStarted', schemaVersion: 1, schema: oathImportStarted },
  { type: 'OathImportCompleted', schemaVersion: 1, schema: oathImportCompleted },
  { type: 'OathImportFailed', schemaVersion: 1, schema: oathImportFailed },
];
