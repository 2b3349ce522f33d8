/**
 * Audio files built byte by byte for tests, so a test controls exactly what a header says: a PCM WAV of a given
 * length, an MPEG-1 Layer III stream of silent frames (optionally after an ID3v2 tag), and a PNG to pass off as either.
 */

/** A mono 16-bit PCM WAV: RIFF header, fmt chunk, data chunk of `seconds` of silence. */
export function wavBytes(seconds: number, sampleRate = 8000): Buffer {
  const blockAlign = 2;
  const dataSize = Math.round(seconds * sampleRate) * blockAlign;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataSize, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataSize, 40);
  return Buffer.concat([header, Buffer.alloc(dataSize)]);
}

const MP3_BITRATE_INDEX: Record<number, number> = { 32: 1, 64: 5, 128: 9, 320: 14 };

/** MPEG-1 Layer III at 44.1 kHz, constant bitrate: each frame is 1152 samples (26.1 ms) of silence. */
export function mp3Bytes(seconds: number, options: { bitrateKbps?: 32 | 64 | 128 | 320; id3?: boolean } = {}): Buffer {
  const kbps = options.bitrateKbps ?? 128;
  const frameLength = Math.floor((144 * kbps * 1000) / 44100);
  const frames = Math.ceil((seconds * 44100) / 1152);
  const frame = Buffer.alloc(frameLength);
  frame[0] = 0xff;
  frame[1] = 0xfb; // MPEG-1, Layer III, no CRC
  frame[2] = (MP3_BITRATE_INDEX[kbps]! << 4) | (0 << 2); // 44.1 kHz, no padding
  frame[3] = 0xc4; // mono
  const body = Buffer.concat(Array.from({ length: frames }, () => frame));
  if (!options.id3) return body;
  const tag = Buffer.alloc(10 + 20);
  tag.write('ID3', 0, 'latin1');
  tag[3] = 4;
  tag[9] = 20; // synchsafe size: 20 bytes of (empty) frames
  return Buffer.concat([tag, body]);
}

/** A 1×1 PNG: what a renamed image looks like to a server that reads the bytes. */
export function pngBytes(): Buffer {
  return Buffer.from(
    '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
    'hex',
  );
}
