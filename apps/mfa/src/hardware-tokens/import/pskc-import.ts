import { KeyProblem, MAC_MISMATCH, MAC_MISSING, PskcKeys, decryptValue, isBase64, openPskcKeys, shown } from './pskc-crypto';
import { HashFunction, MAX_TOKENS_PER_FILE, MIN_SECRET_BYTES, TokenImportFormatError } from './token-import.types';
import { XmlElement, childNamed, childrenNamed, descendant, parseUntrustedXml, trimmedText } from './xml-tree';

const PSKC = 'urn:ietf:params:xml:ns:keyprov:pskc';

const ALGORITHMS: Record<string, 'hotp' | 'totp'> = {
  'urn:ietf:params:xml:ns:keyprov:pskc:hotp': 'hotp',
  // RFC 6030 registers only HOTP; vendors write TOTP both ways
  'urn:ietf:params:xml:ns:keyprov:pskc#totp': 'totp',
  'urn:ietf:params:xml:ns:keyprov:pskc:totp': 'totp',
};

/** <Suite> names the HMAC hash; vendors spell it "HMAC-SHA256", "SHA256" or "SHA-256". */
const SUITES: Record<string, HashFunction> = { SHA1: 'hmacsha1', SHA256: 'hmacsha256', SHA512: 'hmacsha512' };

const MAX_SECRET_BYTES = 128;
const DEFAULT_DIGITS = 6;
const DEFAULT_TIME_INTERVAL = 30;

export type PskcImportInput = { xml: string; preSharedKey?: Buffer; password?: string };

/** `index` is the 0-based position of the KeyPackage in the file. */
export type PskcToken = {
  index: number;
  serialNumber: string;
  manufacturer: string;
  model: string;
  keyId?: string;
  /** the Key's <UserId>, else the device's: often a directory name the caller may map to a user */
  userId?: string;
  algorithm: 'hotp' | 'totp';
  secret: Buffer;
  digits: number;
  /** HOTP only, 64 bits; 0 when the file states none */
  counter?: bigint;
  /** TOTP only; 30 when the file states none */
  timeIntervalInSeconds?: number;
  /** TOTP only, when stated: how many intervals the validation server found the token's clock off */
  timeDriftInIntervals?: number;
  hashFunction: HashFunction;
};

/** `reason` is plain English and never contains a secret. */
export type PskcKeyError = { index: number; serialNumber?: string; reason: string };

export type PskcImport = { tokens: PskcToken[]; errors: PskcKeyError[] };

/**
 * Reads an RFC 6030 PSKC KeyContainer. Each KeyPackage becomes a token or a per-key error; a file that is not a
 * KeyContainer, is hostile, cannot be opened with the key or password supplied, or holds a value whose MAC does
 * not match, throws TokenImportFormatError: integrity is the file's, not each key's.
 * Signatures (<ds:Signature>) are not verified and key policies (<Policy>) are not applied.
 */
export function parsePskc({ xml, preSharedKey, password }: PskcImportInput): PskcImport {
  const container = readKeyContainer(xml);
  const keys = hasEncryptedValues(container) ? openPskcKeys(container, { preSharedKey, password }) : null;
  const tokens: PskcToken[] = [];
  const errors: PskcKeyError[] = [];

  childrenNamed(container, 'KeyPackage').forEach((keyPackage, index) => {
    const result = readKeyPackage(keyPackage, index, keys && refusingTamperedFile(keys, keyPackage, index));
    if ('reason' in result) errors.push(result);
    else tokens.push(result);
  });
  return { tokens, errors };
}

function readKeyContainer(xml: string): XmlElement {
  let keyPackages = 0;
  const container = parseUntrustedXml(xml, (element) => {
    if (element.name === 'KeyPackage' && ++keyPackages > MAX_TOKENS_PER_FILE) {
      throw new TokenImportFormatError(`the file has more than ${MAX_TOKENS_PER_FILE} key packages`);
    }
  });
  if (container.namespace !== PSKC || container.name !== 'KeyContainer') throw new TokenImportFormatError('the file is not a PSKC KeyContainer');
  const version = container.attributes.Version;
  if (version !== undefined && version !== '1.0') throw new TokenImportFormatError(`PSKC version ${shown(version)} is not supported`);
  return container;
}

function hasEncryptedValues(element: XmlElement): boolean {
  return element.children.some((child) => (child.name === 'EncryptedValue' ? true : hasEncryptedValues(child)));
}

type ValueDecrypter = (encryptedValue: XmlElement, valueMac: XmlElement | undefined) => Buffer;

/**
 * Integrity is the file's: a value whose MAC does not match (a wrong key, or a file changed after it was written)
 * refuses the whole file, naming the key, rather than importing the keys around it.
 */
function refusingTamperedFile(keys: PskcKeys, keyPackage: XmlElement, index: number): ValueDecrypter {
  return (encryptedValue, valueMac) => {
    try {
      return decryptValue(encryptedValue, valueMac, keys);
    } catch (error) {
      if (error instanceof KeyProblem && (error.message === MAC_MISMATCH || error.message === MAC_MISSING)) {
        const serialNumber = trimmedText(descendant(keyPackage, 'DeviceInfo', 'SerialNo'));
        throw new TokenImportFormatError(`key package ${index + 1}${serialNumber ? ` (serial number ${shown(serialNumber)})` : ''}: ${error.message}; nothing in the file was imported`);
      }
      throw error;
    }
  };
}

function readKeyPackage(keyPackage: XmlElement, index: number, decrypt: ValueDecrypter | null): PskcToken | PskcKeyError {
  const device = childNamed(keyPackage, 'DeviceInfo');
  const serialNumber = trimmedText(childNamed(device, 'SerialNo')) || undefined;
  try {
    return readKey(keyPackage, device, index, serialNumber, decrypt);
  } catch (error) {
    if (error instanceof KeyProblem) return { index, ...(serialNumber ? { serialNumber } : {}), reason: error.message };
    throw error;
  }
}

function readKey(keyPackage: XmlElement, device: XmlElement | undefined, index: number, serialNumber: string | undefined, decrypt: ValueDecrypter | null): PskcToken {
  const key = childNamed(keyPackage, 'Key');
  if (!key) throw new KeyProblem('the key package has no Key');
  const algorithm = ALGORITHMS[key.attributes.Algorithm ?? ''];
  if (!algorithm) throw new KeyProblem(`the key algorithm is not supported: ${shown(key.attributes.Algorithm)}`);

  // every problem of a key at once, so that an administrator fixes the file in one go
  const problems: string[] = [];
  const attempt = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof KeyProblem)) throw error;
      problems.push(error.message);
      return undefined;
    }
  };
  if (!serialNumber) problems.push('serial number is missing (DeviceInfo/SerialNo)');
  const data = childNamed(key, 'Data');
  const secret = attempt(() => readSecret(key, decrypt));
  const digits = attempt(() => readDigits(key));
  const hashFunction = attempt(() => readHashFunction(key));
  const algorithmData = attempt(() => (algorithm === 'hotp' ? readHotpData(data, decrypt) : readTotpData(data, decrypt)));
  if (problems.length > 0 || !serialNumber || !secret || !digits || !hashFunction || !algorithmData) throw new KeyProblem(problems.join('; '));

  const userId = trimmedText(childNamed(key, 'UserId')) || trimmedText(childNamed(device, 'UserId')) || undefined;
  return {
    index,
    serialNumber,
    manufacturer: trimmedText(childNamed(device, 'Manufacturer')) ?? '',
    model: trimmedText(childNamed(device, 'Model')) ?? '',
    ...(key.attributes.Id ? { keyId: key.attributes.Id } : {}),
    ...(userId ? { userId } : {}),
    algorithm,
    secret,
    digits,
    hashFunction,
    ...algorithmData,
  };
}

function readSecret(key: XmlElement, decrypt: ValueDecrypter | null): Buffer {
  const secretElement = descendant(key, 'Data', 'Secret');
  if (!secretElement) {
    throw new KeyProblem(
      childNamed(key, 'KeyReference')
        ? 'the key has no secret: keys derived from a master key (KeyReference) are not supported'
        : 'the key has no secret',
    );
  }
  const secret = readBinaryValue(secretElement, decrypt, 'secret');
  if (secret.length < MIN_SECRET_BYTES) throw new KeyProblem(`the secret is shorter than ${MIN_SECRET_BYTES * 8} bits (${MIN_SECRET_BYTES} bytes)`);
  if (secret.length > MAX_SECRET_BYTES) throw new KeyProblem(`the secret is longer than ${MAX_SECRET_BYTES} bytes`);
  return secret;
}

/** A PSKC data value: <PlainValue> in base64, or <EncryptedValue> with its <ValueMAC>. */
function readBinaryValue(element: XmlElement, decrypt: ValueDecrypter | null, name: string): Buffer {
  const encrypted = childNamed(element, 'EncryptedValue');
  if (encrypted) {
    // unreachable in practice: parsePskc opens the keys whenever the file holds an encrypted value
    if (!decrypt) throw new KeyProblem(`the ${name} is encrypted and no key was supplied`);
    return decrypt(encrypted, childNamed(element, 'ValueMAC'));
  }
  const plain = childNamed(element, 'PlainValue')?.text.replace(/\s+/g, '');
  if (plain === undefined || plain === '') throw new KeyProblem(`the ${name} has no value`);
  if (!isBase64(plain)) throw new KeyProblem(`the ${name} is not valid base64`);
  return Buffer.from(plain, 'base64');
}

/** An integer data value: decimal in <PlainValue>, big-endian bytes once an <EncryptedValue> is decrypted; at most 64 bits. */
function readIntegerValue(element: XmlElement | undefined, decrypt: ValueDecrypter | null, name: string, signed = false): bigint | undefined {
  if (!element) return undefined;
  let value: bigint;
  if (childNamed(element, 'EncryptedValue')) {
    const bytes = readBinaryValue(element, decrypt, name);
    if (bytes.length === 0 || bytes.length > 8) throw new KeyProblem(`the ${name} is not an integer`);
    const unsigned = BigInt(`0x${bytes.toString('hex')}`);
    value = signed ? BigInt.asIntN(bytes.length * 8, unsigned) : unsigned;
  } else {
    const text = trimmedText(childNamed(element, 'PlainValue')) ?? '';
    if (!(signed ? /^[-+]?\d{1,20}$/ : /^\+?\d{1,20}$/).test(text)) throw new KeyProblem(`the ${name} is not ${signed ? 'an' : 'a non-negative'} integer of at most 64 bits`);
    value = BigInt(text);
  }
  if (signed ? value !== BigInt.asIntN(64, value) : value !== BigInt.asUintN(64, value)) throw new KeyProblem(`the ${name} does not fit in 64 bits`);
  return value;
}

/** A small integer (an interval, a drift): a number. */
function readSmallInteger(element: XmlElement | undefined, decrypt: ValueDecrypter | null, name: string, signed = false): number | undefined {
  const value = readIntegerValue(element, decrypt, name, signed);
  if (value === undefined) return undefined;
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) throw new KeyProblem(`the ${name} is too large`);
  return Number(value);
}

function readHotpData(data: XmlElement | undefined, decrypt: ValueDecrypter | null): Pick<PskcToken, 'counter'> {
  return { counter: readIntegerValue(childNamed(data, 'Counter'), decrypt, 'counter') ?? 0n };
}

/** <Time> is not read: RFC 6030 leaves its meaning to the algorithm, and TOTP (RFC 6238) counts from the Unix epoch. */
function readTotpData(data: XmlElement | undefined, decrypt: ValueDecrypter | null): Pick<PskcToken, 'timeIntervalInSeconds' | 'timeDriftInIntervals'> {
  const interval = readSmallInteger(childNamed(data, 'TimeInterval'), decrypt, 'time interval') ?? DEFAULT_TIME_INTERVAL;
  if (interval < 1 || interval > 3600) throw new KeyProblem('the time interval must be between 1 and 3600 seconds');
  const drift = readSmallInteger(childNamed(data, 'TimeDrift'), decrypt, 'time drift', true);
  return { timeIntervalInSeconds: interval, ...(drift === undefined ? {} : { timeDriftInIntervals: drift }) };
}

function readDigits(key: XmlElement): number {
  const format = descendant(key, 'AlgorithmParameters', 'ResponseFormat');
  if (!format) return DEFAULT_DIGITS;
  const encoding = format.attributes.Encoding ?? 'DECIMAL';
  if (encoding !== 'DECIMAL') throw new KeyProblem(`the response encoding is not supported: ${shown(encoding)}`);
  const digits = Number(format.attributes.Length);
  if (!Number.isInteger(digits) || digits < 6 || digits > 10) throw new KeyProblem('the response length must be 6 to 10 digits');
  return digits;
}

function readHashFunction(key: XmlElement): HashFunction {
  const suite = trimmedText(descendant(key, 'AlgorithmParameters', 'Suite'));
  if (!suite) return 'hmacsha1';
  const hash = SUITES[suite.toUpperCase().replace(/^HMAC-/, '').replace('-', '')];
  if (!hash) throw new KeyProblem(`the hash suite is not supported: ${shown(suite)}`);
  return hash;
}
