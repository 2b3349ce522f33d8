import { createDecipheriv, createHmac, pbkdf2Sync, timingSafeEqual } from 'node:crypto';
import { TokenImportFormatError } from './token-import.types';
import { XmlElement, childNamed, descendant, trimmedText } from './xml-tree';

const XMLENC = 'http://www.w3.org/2001/04/xmlenc#';
const XMLDSIG = 'http://www.w3.org/2000/09/xmldsig#';
const XMLDSIG_MORE = 'http://www.w3.org/2001/04/xmldsig-more#';
const PBKDF2 = 'http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2';

/**
 * The encryption algorithms RFC 6030 §6.1 names that we read: AES-CBC (an IV, then the blocks) and AES key wrap
 * (RFC 3394: no IV, an 8-byte integrity check inside), each by the key length it needs.
 */
const CIPHERS: Record<string, { cipher: string; keyLength: number; wrap: boolean }> = {
  [`${XMLENC}aes128-cbc`]: { cipher: 'aes-128-cbc', keyLength: 16, wrap: false },
  [`${XMLENC}aes192-cbc`]: { cipher: 'aes-192-cbc', keyLength: 24, wrap: false },
  [`${XMLENC}aes256-cbc`]: { cipher: 'aes-256-cbc', keyLength: 32, wrap: false },
  [`${XMLENC}kw-aes128`]: { cipher: 'id-aes128-wrap', keyLength: 16, wrap: true },
  [`${XMLENC}kw-aes192`]: { cipher: 'id-aes192-wrap', keyLength: 24, wrap: true },
  [`${XMLENC}kw-aes256`]: { cipher: 'id-aes256-wrap', keyLength: 32, wrap: true },
};

/** RFC 3394's default initial value: unwrapping checks it, so a wrong key or a changed value is detected. */
const KEY_WRAP_IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');

const HMACS: Record<string, string> = {
  [`${XMLDSIG}hmac-sha1`]: 'sha1',
  [`${XMLDSIG_MORE}hmac-sha224`]: 'sha224',
  [`${XMLDSIG_MORE}hmac-sha256`]: 'sha256',
  [`${XMLDSIG_MORE}hmac-sha384`]: 'sha384',
  [`${XMLDSIG_MORE}hmac-sha512`]: 'sha512',
};

/** PBKDF2 runs synchronously in the import job; this bounds how long one file can hold it. */
const MAX_PBKDF2_ITERATIONS = 1_000_000;

/** What the caller supplied to open an encrypted file. */
export type PskcSecrets = { preSharedKey?: Buffer; password?: string };

/** The keys that open a file's encrypted values: one to decrypt, one to check each value's MAC. */
export type PskcKeys = { encryptionKey: Buffer; macKey: Buffer; macHash: string };

/** Why one key package cannot be imported while the rest of the file can; the message becomes its error reason. */
export class KeyProblem extends Error {}

export const MAC_MISMATCH = 'MAC does not match: wrong key or tampered file';
export const MAC_MISSING = 'the encrypted value has no ValueMAC';

/**
 * Resolves the file's encryption key from its <EncryptionKey> and what the caller supplied, and decrypts the
 * MAC key with it. Anything that leaves the whole file unreadable throws TokenImportFormatError.
 */
export function openPskcKeys(container: XmlElement, secrets: PskcSecrets): PskcKeys {
  const encryptionKey = resolveEncryptionKey(childNamed(container, 'EncryptionKey'), secrets);
  const macMethod = childNamed(container, 'MACMethod');
  if (!macMethod) throw new TokenImportFormatError('the file is encrypted but has no MACMethod, so a wrong key or a tampered value could not be detected');
  const macHash = HMACS[macMethod.attributes.Algorithm ?? ''];
  if (!macHash) throw new TokenImportFormatError(`the MAC algorithm is not supported: ${shown(macMethod.attributes.Algorithm)}`);

  const encryptedMacKey = childNamed(macMethod, 'MACKey');
  if (!encryptedMacKey) throw new TokenImportFormatError('the MACMethod has no MACKey');
  try {
    return { encryptionKey, macKey: decryptElement(encryptedMacKey, encryptionKey), macHash };
  } catch (error) {
    if (error instanceof KeyProblem) throw new TokenImportFormatError(`the MAC key could not be decrypted: ${error.message}`);
    throw error;
  }
}

/** Checks the value's MAC over IV and ciphertext before decrypting it (encrypt-then-MAC), then decrypts. */
export function decryptValue(encryptedValue: XmlElement, valueMac: XmlElement | undefined, keys: PskcKeys): Buffer {
  if (!valueMac) throw new KeyProblem(MAC_MISSING);
  const cipherValue = base64Of(descendant(encryptedValue, 'CipherData', 'CipherValue'), 'CipherValue');
  const expected = createHmac(keys.macHash, keys.macKey).update(cipherValue).digest();
  const stated = base64Of(valueMac, 'ValueMAC');
  if (stated.length !== expected.length || !timingSafeEqual(stated, expected)) throw new KeyProblem(MAC_MISMATCH);
  return decryptElement(encryptedValue, keys.encryptionKey);
}

function resolveEncryptionKey(encryptionKeyElement: XmlElement | undefined, { preSharedKey, password }: PskcSecrets): Buffer {
  if (childNamed(encryptionKeyElement, 'X509Data')) {
    throw new TokenImportFormatError('the file is encrypted to a certificate; only pre-shared keys and passwords are supported');
  }
  const derivedKey = childNamed(encryptionKeyElement, 'DerivedKey');
  if (derivedKey) {
    if (password === undefined) throw new TokenImportFormatError('the file is encrypted with a password; supply the password');
    return derivePbkdf2Key(derivedKey, password);
  }
  if (!preSharedKey) throw new TokenImportFormatError('the file is encrypted with a pre-shared key; supply the pre-shared key');
  return preSharedKey;
}

function derivePbkdf2Key(derivedKey: XmlElement, password: string): Buffer {
  const method = childNamed(derivedKey, 'KeyDerivationMethod');
  if (method?.attributes.Algorithm !== PBKDF2) {
    throw new TokenImportFormatError(`the key derivation method is not supported: ${shown(method?.attributes.Algorithm)}`);
  }
  const parameters = childNamed(method, 'PBKDF2-params');
  const salt = trimmedText(descendant(parameters, 'Salt', 'Specified'));
  const iterations = Number(trimmedText(childNamed(parameters, 'IterationCount')));
  const keyLength = Number(trimmedText(childNamed(parameters, 'KeyLength')) ?? 16);
  // the PBKDF2 default PRF is HMAC-SHA1 (RFC 8018, appendix A.2)
  const prf = childNamed(parameters, 'PRF')?.attributes.Algorithm;
  const hash = prf === undefined ? 'sha1' : HMACS[prf];

  if (salt === undefined || !isBase64(salt)) throw new TokenImportFormatError('the PBKDF2 parameters have no specified salt');
  if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
    throw new TokenImportFormatError(`the PBKDF2 iteration count must be between 1 and ${MAX_PBKDF2_ITERATIONS}`);
  }
  if (!Object.values(CIPHERS).some((cipher) => cipher.keyLength === keyLength)) {
    throw new TokenImportFormatError('the PBKDF2 key length must be 16, 24 or 32 bytes');
  }
  if (!hash) throw new TokenImportFormatError(`the PBKDF2 pseudo-random function is not supported: ${shown(prf)}`);
  return pbkdf2Sync(Buffer.from(password, 'utf8'), Buffer.from(salt, 'base64'), iterations, keyLength, hash);
}

/** Decrypts an xenc EncryptedDataType element: <EncryptionMethod> and <CipherData><CipherValue> (for CBC, IV first). */
function decryptElement(element: XmlElement, key: Buffer): Buffer {
  const algorithm = childNamed(element, 'EncryptionMethod')?.attributes.Algorithm;
  const cipher = CIPHERS[algorithm ?? ''];
  if (!cipher) throw new TokenImportFormatError(`the encryption algorithm is not supported: ${shown(algorithm)} (supported: AES-128/192/256 in CBC mode or key wrap)`);
  if (key.length !== cipher.keyLength) {
    throw new TokenImportFormatError(`the file uses ${cipher.cipher}, which needs a ${cipher.keyLength}-byte key; the key supplied has ${key.length} bytes`);
  }

  const cipherValue = base64Of(descendant(element, 'CipherData', 'CipherValue'), 'CipherValue');
  if (cipher.wrap) return unwrap(cipher.cipher, key, cipherValue);
  if (cipherValue.length < 32 || cipherValue.length % 16 !== 0) throw new KeyProblem('the CipherValue is not an IV followed by whole AES blocks');
  const decipher = createDecipheriv(cipher.cipher, key, cipherValue.subarray(0, 16)).setAutoPadding(false);
  return removeXmlEncPadding(Buffer.concat([decipher.update(cipherValue.subarray(16)), decipher.final()]));
}

/** RFC 3394 unwrapping: whole 64-bit blocks, at least two (the integrity check and the key). */
function unwrap(cipher: string, key: Buffer, wrapped: Buffer): Buffer {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new KeyProblem('the CipherValue is not a wrapped key (whole 64-bit blocks, at least 24 bytes)');
  try {
    const decipher = createDecipheriv(cipher, key, KEY_WRAP_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    throw new KeyProblem('the wrapped value does not unwrap: wrong key or tampered file');
  }
}

/**
 * XML Encryption pads like ISO 10126: the last byte says how many bytes to drop, the others may be anything.
 * PKCS#7, which RFC 6030's examples use, is a special case. With a wrong key this check usually fails.
 */
function removeXmlEncPadding(padded: Buffer): Buffer {
  const length = padded[padded.length - 1];
  if (length < 1 || length > 16) throw new KeyProblem('the padding is wrong: wrong key or password');
  return padded.subarray(0, padded.length - length);
}

function base64Of(element: XmlElement | undefined, name: string): Buffer {
  const text = element?.text.replace(/\s+/g, '');
  if (text === undefined || text === '' || !isBase64(text)) throw new KeyProblem(`the ${name} is missing or not base64`);
  return Buffer.from(text, 'base64');
}

export const isBase64 = (text: string) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);

/** An algorithm name quoted in a reason, cut short: it comes from the file, never from a secret. */
export const shown = (value: string | undefined) => (value === undefined ? '(none)' : JSON.stringify(value.slice(0, 100)));
