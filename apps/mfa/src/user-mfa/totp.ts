import { generateSecret, generateURI, verifySync } from 'otplib';
import QRCode from 'qrcode';
import { OathMethod } from './methods.model';

export type TotpParameters = Pick<OathMethod, 'algorithm' | 'digits' | 'period'>;

export const newTotpSecret = (): string => generateSecret({ length: 20 });

export function otpauthUri(secret: string, account: string, parameters: TotpParameters, issuer = 'Bulwark'): string {
  return generateURI({ issuer, label: account, secret, algorithm: hashOf(parameters.algorithm), digits: parameters.digits, period: parameters.period });
}

/** The otpauth URI as a QR code, both as a PNG data URL (for an <img>) and as SVG markup. */
export async function qrCodesOf(uri: string): Promise<{ pngDataUrl: string; svg: string }> {
  const options = { errorCorrectionLevel: 'M' as const, margin: 2 };
  const [pngDataUrl, svg] = await Promise.all([QRCode.toDataURL(uri, { ...options, width: 256 }), QRCode.toString(uri, { ...options, type: 'svg' })]);
  return { pngDataUrl, svg };
}

/**
 * The time step a code matches within one period either side of `now` (clock drift), or null.
 * Whether that step was already used is the decider's call, not this function's.
 */
export function matchTotp(code: string, secret: string | Uint8Array, parameters: TotpParameters, now: Date): number | null {
  if (code.length !== parameters.digits || !/^\d+$/.test(code)) return null;
  const result = verifySync({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    epochTolerance: parameters.period,
    period: parameters.period,
    digits: parameters.digits,
    algorithm: hashOf(parameters.algorithm),
  });
  // verifySync is typed for TOTP and HOTP alike; a valid TOTP result carries the time step
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

const hashOf = (algorithm: TotpParameters['algorithm']) => algorithm.toLowerCase() as 'sha1' | 'sha256' | 'sha512';
