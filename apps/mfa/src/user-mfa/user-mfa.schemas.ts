import { z } from 'zod';

export const userIdParam = z.string().regex(/^[A-Za-z0-9._@+-]{1,256}$/, 'a user id is 1–256 letters, digits or . _ @ + -');
export const idParam = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'not a valid id');
export const otpCode = z.string().regex(/^\d{6,8}$/, 'a code is 6 to 8 digits');
