import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { languageTag, streams, US_CALLER_ID, voiceMessageType } from '@bulwark/contracts';
import { ApiError, ApiZodBody, Caller, RequestContext, Roles, ZodPipe, zodBody, ApiNoContentResponse, ApiZodResponse, errorBodySchema } from '@bulwark/platform';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { MfaSettingsStreams } from '../tenant-settings/mfa-settings.streams';
import { idParam } from '../user-mfa/user-mfa.schemas';
import { GreetingFiles } from './greeting-files';
import { FormPart, MultipartRejected, readMultipartForm } from './multipart-form';
import { MAX_GREETING_BYTES, MAX_GREETING_MS, phoneCallSettingsDecider, VoiceGreeting } from './phone-call-settings.decider';
import { AudioRejected, inspectAudio } from './voice-audio';
import { greeting, greetings, phoneCallSettings } from '../mfa.responses';

/** The whole upload: the audio (at most 1 MiB) and the form around it. Larger bodies are refused unread past this. */
export const GREETING_UPLOAD_LIMIT_BYTES = MAX_GREETING_BYTES + 16 * 1024;

const body = z.strictObject({
  /** null: the provider's own number */
  callerId: z.string().regex(US_CALLER_ID, 'the caller ID must be a US number in E.164: +1 and ten digits, such as +14255550100').nullable(),
});

const greetingFields = z.strictObject({
  messageType: voiceMessageType,
  language: languageTag,
});

/** The form around one voice message: two short fields and the file (busboy stops reading a file past its size). */
const GREETING_FORM_LIMITS = { parts: 10, files: 1, fileBytes: MAX_GREETING_BYTES, fieldBytes: 1024 };

async function readGreetingForm(request: Request): Promise<FormPart[]> {
  const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  try {
    return await readMultipartForm(body, request.headers['content-type'], GREETING_FORM_LIMITS);
  } catch (error) {
    if (!(error instanceof MultipartRejected)) throw error;
    if (error.kind === 'notAForm') throw new ApiError(415, 'unsupportedMediaType', 'upload a voice message as multipart/form-data with a boundary');
    if (!body.length) throw new ApiError(400, 'badRequest', 'the request has no body');
    if (error.kind === 'tooLarge') throw new ApiError(413, 'requestTooLarge', `the voice message is larger than ${MAX_GREETING_BYTES} bytes; at most ${MAX_GREETING_BYTES} (1 MiB) are allowed`);
    throw new ApiError(400, 'badRequest', `the form is malformed: ${error.message}`);
  }
}

/** A file name as the browser sent it, without control characters (C0 and DEL), which have no place in a name shown back. */
const withoutControlCharacters = (name: string) => [...name].filter((character) => character.charCodeAt(0) > 0x1f && character !== '\u007f').join('');

type GreetingView = Omit<VoiceGreeting, 'createdAt' | 'greetingId'> & { id: string; createdDateTime: string };

const viewOf = ({ greetingId, createdAt, ...greeting }: VoiceGreeting): GreetingView => ({ id: greetingId, ...greeting, createdDateTime: createdAt });

@ApiTags('settings')
@Controller('v1/settings/phoneCall')
export class PhoneCallSettingsController {
  constructor(private readonly settings: MfaSettingsStreams, private readonly files: GreetingFiles) {}

  @Get()
  @Roles('admin')
  @ApiOperation({ summary: 'The caller ID voice calls show (null: the provider’s own), with the settings version' })
  @ApiZodResponse(200, phoneCallSettings, 'The caller ID')
  async get(): Promise<{ callerId: string | null; version: number }> {
    const { callerId, version } = await this.settings.phoneCall();
    return { callerId, version };
  }

  @Put()
  @HttpCode(200)
  @Roles('admin')
  @ApiZodBody(body, { callerId: '+14255550100' })
  @ApiOperation({ summary: 'Set the caller ID of voice calls: a US number, +1 and ten digits (as Entra allows), or null for the provider’s own' })
  @ApiZodResponse(200, phoneCallSettings, 'The new caller ID and the settings version')
  async change(@Body(zodBody(body)) request: z.infer<typeof body>, @Caller() caller: RequestContext): Promise<{ callerId: string | null; version: number }> {
    const { state } = await this.settings.execute(streams.phoneCallSettings, phoneCallSettingsDecider, { type: 'ChangePhoneCallSettings', data: request }, caller);
    return { callerId: state.callerId, version: state.version };
  }

  @Get('greetings')
  @Roles('admin')
  @ApiOperation({ summary: 'The custom voice messages: type, language, format, size and duration of each (the audio stays in the data directory)' })
  @ApiZodResponse(200, greetings, 'The custom voice messages, oldest first')
  async list(): Promise<{ value: GreetingView[] }> {
    const { greetings } = await this.settings.phoneCall();
    return { value: Object.values(greetings).sort((a, b) => a.createdAt.localeCompare(b.createdAt)).map(viewOf) };
  }

  @Post('greetings')
  @HttpCode(201)
  @Roles('admin')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['messageType', 'language', 'file'],
      properties: {
        messageType: { type: 'string', enum: voiceMessageType.options },
        language: { type: 'string', example: 'en-US' },
        file: { type: 'string', format: 'binary', description: 'WAV or MP3, at most 1 MiB, shorter than 20 seconds' },
      },
    },
    examples: { greeting: { summary: 'an English greeting', value: { messageType: 'greeting', language: 'en-US', file: 'hello.wav (RIFF/WAVE, 3 s)' } } },
  })
  @ApiOperation({ summary: 'Upload a custom voice message for one message type and language: a WAV or MP3 of at most 1 MiB, shorter than 20 s (checked from the file itself)' })
  @ApiZodResponse(201, greeting, 'The voice message as stored')
  @ApiZodResponse(415, errorBodySchema, 'The body is not multipart/form-data with a boundary')
  async upload(@Req() request: Request, @Caller() caller: RequestContext): Promise<GreetingView> {
    const parts = await readGreetingForm(request);
    const files = parts.filter((part) => part.fileName !== null);
    if (files.length !== 1 || files[0]!.name !== 'file') throw new ApiError(400, 'badRequest', 'the form must carry exactly one file, in a field named "file"');
    const fields: Record<string, string> = {};
    for (const part of parts.filter((part) => part.fileName === null)) {
      if (part.name in fields) throw new ApiError(400, 'badRequest', `the field "${part.name.slice(0, 50)}" is given twice`);
      fields[part.name] = part.data.toString('utf8');
    }
    const { messageType, language } = new ZodPipe(greetingFields, 'body').transform(fields);
    const file = files[0]!;
    let facts;
    try {
      facts = inspectAudio(file.data);
    } catch (error) {
      if (error instanceof AudioRejected) throw new ApiError(400, 'badRequest', `not a usable voice message: ${error.message}`);
      throw error;
    }
    if (facts.durationMs >= MAX_GREETING_MS) {
      throw new ApiError(400, 'badRequest', `the voice message lasts ${(facts.durationMs / 1000).toFixed(1)} s; it must be shorter than 20 s`);
    }
    // the file first, so no event ever names audio that is not there
    const { sha256, created } = await this.files.put(file.data);
    const greetingId = randomUUID();
    try {
      const { state } = await this.settings.execute(
        streams.phoneCallSettings,
        phoneCallSettingsDecider,
        {
          type: 'AddVoiceGreeting',
          data: {
            greetingId,
            messageType,
            language,
            contentType: facts.contentType,
            sha256,
            sizeBytes: file.data.length,
            durationMs: facts.durationMs,
            fileName: file.fileName ? withoutControlCharacters(file.fileName).slice(0, 255) || null : null,
          },
        },
        caller,
      );
      return viewOf(state.greetings[greetingId]!);
    } catch (error) {
      // a refused upload takes away only a file it brought: one already there may belong to a greeting being added
      if (created) await this.removeIfUnused(sha256);
      throw error;
    }
  }

  @Delete('greetings/:greetingId')
  @HttpCode(204)
  @Roles('admin')
  @ApiOperation({ summary: 'Delete a custom voice message: calls in its language play the standard message for its type again' })
  @ApiNoContentResponse('Deleted')
  async remove(@Param('greetingId', new ZodPipe(idParam, 'path')) greetingId: string, @Caller() caller: RequestContext): Promise<void> {
    const before = await this.settings.phoneCall();
    await this.settings.execute(streams.phoneCallSettings, phoneCallSettingsDecider, { type: 'DeleteVoiceGreeting', data: { greetingId } }, caller);
    const deleted = before.greetings[greetingId];
    if (deleted) await this.removeIfUnused(deleted.sha256);
  }

  /** Another greeting may hold the same recording: the file goes only with the last one. */
  private async removeIfUnused(sha256: string): Promise<void> {
    const { greetings } = await this.settings.phoneCall();
    if (!Object.values(greetings).some((greeting) => greeting.sha256 === sha256)) await this.files.remove(sha256);
  }
}
