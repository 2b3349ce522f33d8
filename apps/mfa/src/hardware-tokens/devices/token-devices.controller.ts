import { Body, Controller, Get, Header, HttpCode, Inject, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError, OathImportEvent, streams } from '@bulwark/contracts';
import { EVENT_STORE, EventStore } from '@bulwark/event-store';
import { csvRow } from '@bulwark/odata';
import { ApiError, ApiZodBody, Caller, CLOCK, Clock, ConsumerHost, READ_DB, RequestContext, Roles, ZodPipe, zodBody, ApiTextBody, ApiTextResponse, ApiZodResponse, errorBodySchema } from '@bulwark/platform';
import Database from 'better-sqlite3';
import type { Request } from 'express';
import { z } from 'zod';
import { inventoryRow, inventoryRows, toGraphDevice } from '../../projections/token-inventory.projection';
import { userIdParam } from '../../user-mfa/user-mfa.schemas';
import { TokenImportFormatError } from '../import';
import { TokenImportJob } from '../token-import.job';
import { TokenInventory } from '../token-inventory.service';
import { hardwareOathDeviceEntity, hardwareOathDevices, importStarted, importStatus } from '../../mfa.responses';

const BASE = 'beta/directory/authenticationMethodDevices/hardwareOathDevices';
const CONTEXT = 'https://graph.microsoft.com/beta/$metadata#directory/authenticationMethodDevices/hardwareOathDevices';
export const IMPORT_LIMIT_BYTES = 5 * 1024 * 1024;
const uuid = z.uuid({ error: 'not a valid id' });
const statusFilter = z
  .string()
  .regex(/^status eq '(available|assigned|activated|failedActivation)'$/, "$filter supports only status eq 'available' | 'assigned' | 'activated' | 'failedActivation'")
  .optional();

@ApiTags('hardware tokens')
@Controller(BASE)
export class TokenDevicesController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_DB) private readonly db: Database.Database,
    private readonly consumers: ConsumerHost,
    private readonly job: TokenImportJob,
    private readonly inventory: TokenInventory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('imports')
  @HttpCode(202)
  @Roles('admin')
  @ApiOperation({
    summary:
      'Import tokens from CSV (text/csv: upn,serial number,secret key,time interval,manufacturer,model) or PSKC (application/pskc+xml; X-Pskc-Preshared-Key: <hex> or X-Pskc-Password); at most 5 MiB',
  })
  @ApiTextBody('The token file, at most 5 MiB', {
    'text/csv': 'upn,serial number,secret key,time interval,manufacturer,model\r\nalice@contoso.com,1234567,JBSWY3DPEHPK3PXP,30,Contoso,Hardware token\r\n',
    'application/pskc+xml': '<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">…</KeyContainer>',
  })
  @ApiZodResponse(202, importStarted, 'The import runs in the background: read its status at imports/{importId}')
  @ApiZodResponse(415, errorBodySchema, 'The body is neither text/csv nor application/pskc+xml')
  async startImport(@Req() request: Request, @Caller() caller: RequestContext) {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const format = type === 'text/csv' ? 'csv' : ['application/pskc+xml', 'application/xml', 'text/xml'].includes(type) ? 'pskc' : null;
    if (!format) throw new ApiError(415, 'unsupportedMediaType', 'send the file as text/csv or application/pskc+xml');
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) throw new ApiError(400, 'badRequest', 'the request body must be the token file');
    const pskcKey = request.headers['x-pskc-preshared-key'];
    const password = request.headers['x-pskc-password'];
    if (pskcKey !== undefined && (typeof pskcKey !== 'string' || !/^([0-9a-fA-F]{2}){16,32}$/.test(pskcKey))) {
      throw new ApiError(400, 'badRequest', 'X-Pskc-Preshared-Key must be the key in hex (16 to 32 bytes)');
    }
    let importId: string;
    try {
      importId = await this.job.start(
        {
          format,
          body: request.body,
          preSharedKey: typeof pskcKey === 'string' ? Buffer.from(pskcKey, 'hex') : undefined,
          password: typeof password === 'string' ? password : undefined,
          fileName: typeof request.headers['x-file-name'] === 'string' ? request.headers['x-file-name'].slice(0, 300) : null,
        },
        caller,
      );
    } catch (error) {
      if (error instanceof TokenImportFormatError) throw new ApiError(422, 'unprocessableEntity', `the file was refused and nothing was stored: ${error.reason}`);
      throw error;
    }
    return { id: importId, status: 'running', format };
  }

  @Get('imports/:importId')
  @Roles('admin')
  @ApiOperation({ summary: 'An import job: status and counts' })
  @ApiZodResponse(200, importStatus, 'The import: running, completed (with counts) or failed (with the reason)')
  async importStatus(@Param('importId', new ZodPipe(uuid, 'path')) importId: string) {
    const events = (await this.store.readStream(streams.oathImport(importId))) as unknown as OathImportEvent[];
    const started = events.find((event) => event.type === 'OathImportStarted');
    if (!started || started.type !== 'OathImportStarted') throw new DomainError('IMPORT_NOT_FOUND', 'notFound', `no import ${importId}`);
    const end = events.find((event) => event.type !== 'OathImportStarted');
    return {
      id: importId,
      format: started.data.format,
      fileName: started.data.fileName,
      status: !end ? 'running' : end.type === 'OathImportCompleted' ? 'completed' : 'failed',
      createdDateTime: started.data.at,
      completedDateTime: end?.data.at ?? null,
      ...(end?.type === 'OathImportCompleted' ? { imported: end.data.imported, assigned: end.data.assigned, rejected: end.data.rejected } : {}),
      ...(end?.type === 'OathImportFailed' ? { reason: end.data.reason } : {}),
    };
  }

  @Get('imports/:importId/errors.csv')
  @Roles('admin')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiOperation({ summary: 'Each rejected row of an import with its reason, as CSV' })
  @ApiTextResponse(200, ['text/csv'], 'row,serial number,reason: one line per rejected row')
  async importErrors(@Param('importId', new ZodPipe(uuid, 'path')) importId: string): Promise<string> {
    const events = (await this.store.readStream(streams.oathImport(importId))) as unknown as OathImportEvent[];
    if (!events.length) throw new DomainError('IMPORT_NOT_FOUND', 'notFound', `no import ${importId}`);
    const completed = events.find((event) => event.type === 'OathImportCompleted');
    if (completed?.type !== 'OathImportCompleted') throw new DomainError('IMPORT_RUNNING', 'conflict', `import ${importId} has not completed`);
    // the shared writer neutralises formulas: a reason may quote a serial number the uploaded file chose
    return csvRow(['row', 'serial number', 'reason']) + completed.data.errors.map((error) => csvRow([error.row, error.serialNumber, error.reason])).join('');
  }

  @Get()
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: "The token inventory in Graph beta's hardwareOathTokenAuthenticationMethodDevice shape" })
  @ApiZodResponse(200, hardwareOathDevices, 'The tokens, by serial number')
  async list(@Query('$filter', new ZodPipe(statusFilter, 'query')) filter: string | undefined) {
    await this.consumers.catchUp('projection:mfa_token_inventory', 5_000);
    const status = filter ? /'([^']+)'/.exec(filter)![1]! : null;
    return { '@odata.context': CONTEXT, value: inventoryRows(this.db, status).map(toGraphDevice) };
  }

  @Get(':tokenId')
  @Roles('admin', 'analyst')
  @ApiOperation({ summary: 'One hardware token; secretKey always reads null' })
  @ApiZodResponse(200, hardwareOathDeviceEntity, 'The token')
  async get(@Param('tokenId', new ZodPipe(uuid, 'path')) tokenId: string) {
    await this.consumers.catchUp('projection:mfa_token_inventory', 5_000);
    const row = inventoryRow(this.db, tokenId);
    if (!row) throw new DomainError('TOKEN_NOT_FOUND', 'notFound', `no hardware token ${tokenId}`);
    return { '@odata.context': `${CONTEXT}/$entity`, ...toGraphDevice(row) };
  }

  @Patch(':tokenId')
  @Roles('admin')
  @ApiZodBody(z.strictObject({ assignTo: z.strictObject({ id: userIdParam }) }), { assignTo: { id: 'alice' } })
  @ApiOperation({ summary: 'Assign a token to a user (a token belongs to at most one user); the user then activates it with a code' })
  @ApiZodResponse(200, hardwareOathDeviceEntity, 'The token, assigned')
  async assign(
    @Param('tokenId', new ZodPipe(uuid, 'path')) tokenId: string,
    @Body(zodBody(z.strictObject({ assignTo: z.strictObject({ id: userIdParam }) }))) request: { assignTo: { id: string } },
    @Caller() caller: RequestContext,
  ) {
    await this.inventory.assign(tokenId, request.assignTo.id, { ...caller, now: this.clock.now() });
    return this.get(tokenId);
  }
}
