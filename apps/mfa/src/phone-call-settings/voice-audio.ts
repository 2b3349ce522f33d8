/**
 * What an uploaded voice message really is, read from its bytes: a WAV (RIFF/WAVE with a fmt and a data chunk) or
 * an MP3 (MPEG audio Layer III frames, after an optional ID3v2 tag), with its duration computed from the headers.
 * Neither the file name nor the client's content type is trusted; anything that cannot be measured is refused.
 */

export type AudioFacts = { contentType: 'audio/wav' | 'audio/mpeg'; durationMs: number };

export class AudioRejected extends Error {}

export function inspectAudio(bytes: Buffer): AudioFacts {
  if (bytes.length >= 12 && bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WAVE') return inspectWav(bytes);
  if (bytes.length >= 3 && bytes.toString('latin1', 0, 3) === 'ID3') return inspectMp3(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xff && (bytes[1]! & 0xe0) === 0xe0) return inspectMp3(bytes);
  throw new AudioRejected(`the file is neither WAV nor MP3 (it starts with ${describeStart(bytes)})`);
}

function describeStart(bytes: Buffer): string {
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'a PNG signature';
  if (!bytes.length) return 'nothing: it is empty';
  return `bytes ${bytes.subarray(0, 4).toString('hex')}`;
}

/** PCM, IEEE float, A-law, µ-law, and WAVE_FORMAT_EXTENSIBLE: the encodings whose byte rate is exact. */
const WAV_FORMATS = new Set([0x0001, 0x0003, 0x0006, 0x0007, 0xfffe]);

function inspectWav(bytes: Buffer): AudioFacts {
  const riffSize = bytes.readUInt32LE(4);
  if (riffSize + 8 > bytes.length) throw new AudioRejected('the WAV file is truncated: its RIFF header announces more bytes than it has');
  let fmt: { format: number; channels: number; sampleRate: number; byteRate: number; blockAlign: number } | null = null;
  let dataSize: number | null = null;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = bytes.toString('latin1', offset, offset + 4);
    const size = bytes.readUInt32LE(offset + 4);
    const start = offset + 8;
    if (start + size > bytes.length) throw new AudioRejected(`the WAV file is truncated: its "${id.trim()}" chunk runs past the end`);
    if (id === 'fmt ') {
      if (size < 16) throw new AudioRejected('the WAV fmt chunk is too short');
      fmt = {
        format: bytes.readUInt16LE(start),
        channels: bytes.readUInt16LE(start + 2),
        sampleRate: bytes.readUInt32LE(start + 4),
        byteRate: bytes.readUInt32LE(start + 8),
        blockAlign: bytes.readUInt16LE(start + 12),
      };
    } else if (id === 'data') {
      if (!fmt) throw new AudioRejected('the WAV data chunk comes before its fmt chunk');
      dataSize = size;
      break;
    }
    // chunks are padded to an even length
    offset = start + size + (size % 2);
  }
  if (!fmt) throw new AudioRejected('the WAV file has no fmt chunk');
  if (dataSize === null) throw new AudioRejected('the WAV file has no data chunk');
  if (!WAV_FORMATS.has(fmt.format)) throw new AudioRejected(`the WAV encoding 0x${fmt.format.toString(16)} is not supported: use PCM, A-law or µ-law`);
  if (fmt.channels < 1 || fmt.channels > 8 || fmt.sampleRate < 4000 || fmt.sampleRate > 192_000 || fmt.blockAlign < 1) {
    throw new AudioRejected('the WAV fmt chunk describes no playable audio');
  }
  if (fmt.byteRate !== fmt.sampleRate * fmt.blockAlign) throw new AudioRejected('the WAV byte rate does not match its sample rate and block size');
  if (dataSize === 0) throw new AudioRejected('the WAV file has no audio');
  return { contentType: 'audio/wav', durationMs: Math.ceil((dataSize * 1000) / fmt.byteRate) };
}

// kbit/s by [MPEG-1 ? 0 : 1][bitrate index], Layer III
const BITRATES = [
  [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
];
// Hz by version bits (0: MPEG-2.5, 2: MPEG-2, 3: MPEG-1) and sample rate index
const SAMPLE_RATES: Record<number, number[]> = { 0: [11025, 12000, 8000], 2: [22050, 24000, 16000], 3: [44100, 48000, 32000] };

type Frame = { length: number; samples: number; sampleRate: number };

function frameAt(bytes: Buffer, offset: number): Frame | null {
  if (offset + 4 > bytes.length) return null;
  const [b0, b1, b2] = [bytes[offset]!, bytes[offset + 1]!, bytes[offset + 2]!];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return null;
  const version = (b1 >> 3) & 0x03;
  const layer = (b1 >> 1) & 0x03;
  const bitrateIndex = b2 >> 4;
  const rateIndex = (b2 >> 2) & 0x03;
  const padding = (b2 >> 1) & 0x01;
  // version 1 is reserved; layer 1 (bits 01) is Layer III; index 0 is "free format", 15 is invalid, rate 3 reserved
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return null;
  const mpeg1 = version === 3;
  const bitrate = BITRATES[mpeg1 ? 0 : 1]![bitrateIndex]! * 1000;
  const sampleRate = SAMPLE_RATES[version]![rateIndex]!;
  const length = Math.floor(((mpeg1 ? 144 : 72) * bitrate) / sampleRate) + padding;
  return { length, samples: mpeg1 ? 1152 : 576, sampleRate };
}

function inspectMp3(bytes: Buffer): AudioFacts {
  let offset = 0;
  if (bytes.toString('latin1', 0, 3) === 'ID3') {
    if (bytes.length < 10) throw new AudioRejected('the MP3 file is truncated inside its ID3 tag');
    const sizeBytes = bytes.subarray(6, 10);
    if (sizeBytes.some((byte) => byte & 0x80)) throw new AudioRejected('the MP3 ID3 tag has an invalid size');
    const tagSize = ((sizeBytes[0]! << 21) | (sizeBytes[1]! << 14) | (sizeBytes[2]! << 7) | sizeBytes[3]!) >>> 0;
    const footer = bytes[5]! & 0x10 ? 10 : 0;
    offset = 10 + tagSize + footer;
    if (offset > bytes.length) throw new AudioRejected('the MP3 file is truncated inside its ID3 tag');
  }
  // every byte after the tag must be a frame, one after the other (an ID3v1 tag may close the file)
  let seconds = 0;
  let frames = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset === 128 && bytes.toString('latin1', offset, offset + 3) === 'TAG') break;
    const frame = frameAt(bytes, offset);
    if (!frame) {
      throw new AudioRejected(frames ? `the MP3 file has bytes that are not MPEG audio frames at offset ${offset}` : 'the file has no MPEG Layer III audio frame where an MP3 starts');
    }
    if (offset + frame.length > bytes.length) throw new AudioRejected('the MP3 file is truncated inside its last frame');
    seconds += frame.samples / frame.sampleRate;
    frames += 1;
    offset += frame.length;
  }
  if (!frames) throw new AudioRejected('the MP3 file has no audio frames');
  return { contentType: 'audio/mpeg', durationMs: Math.ceil(seconds * 1000) };
}
