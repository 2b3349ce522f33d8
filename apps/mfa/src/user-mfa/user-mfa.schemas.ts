import { z } from 'zod';

export { userIdParam } from '@bulwark/platform';
export const idParam = z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'not a valid id');
export const otpCode = z.string().regex(/^\d{6,8}$/, 'a code is 6 to 8 digits');
