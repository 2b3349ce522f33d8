import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ApiError } from './errors';

/** Validates a request body (or query) at the edge with its zod schema: 400 naming each field and its problem. */
export class ZodPipe<T extends z.ZodType> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T, private readonly what: 'body' | 'query' | 'path' = 'body') {}

  transform(value: unknown): z.infer<T> {
    const parsed = this.schema.safeParse(value);
    if (parsed.success) return parsed.data;
    if (this.what === 'body' && value === undefined) {
      throw new ApiError(400, 'badRequest', 'a JSON request body is required (Content-Type: application/json)');
    }
    const details = parsed.error.issues.map((issue) => {
      const target = issue.path.join('.') || this.what;
      const message =
        issue.code === 'unrecognized_keys' ? `unknown field(s): ${issue.keys.join(', ')}` : issue.message;
      return { code: issue.code, message: `${target}: ${message}`, target };
    });
    throw new ApiError(400, 'badRequest', `invalid request ${this.what}: ${details.map((d) => d.message).join('; ')}`, details);
  }
}

export const zodBody = <T extends z.ZodType>(schema: T) => new ZodPipe(schema, 'body');

/** A user id in a path or body, the same rule for every service: it becomes part of stream names. */
export const userIdParam = z.string().regex(/^[A-Za-z0-9._@+-]{1,256}$/, 'a user id is 1–256 letters, digits or . _ @ + -');

/** The sign-in's client address. */
export const clientIpField = z.union([z.ipv4(), z.ipv6()], { error: 'clientIp must be an IPv4 or IPv6 address' });
