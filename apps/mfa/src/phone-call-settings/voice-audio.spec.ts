import { mp3Bytes, pngBytes, wavBytes } from '@bulwark/testing';
import { AudioRejected, inspectAudio } from './voice-audio';

const rejection = (bytes: Buffer) => {
  try {
    inspectAudio(bytes);
  } catch (error) {
    if (error instanceof AudioRejected) return error.message;
    throw error;
  }
  throw new Error('the file was accepted');
};

describe('inspecting a voice message', () => {
  it('measures a PCM WAV from its data chunk and byte rate', () => {
    expect(inspectAudio(wavBytes(3))).toEqual({ contentType: 'audio/wav', durationMs: 3000 });
    expect(inspectAudio(wavBytes(21))).toEqual({ contentType: 'audio/wav', durationMs: 21000 });
    expect(inspectAudio(wavBytes(1.5, 16000))).toEqual({ contentType: 'audio/wav', durationMs: 1500 });
  });

  it('measures a constant-bitrate MP3 by walking its frames, with or without an ID3 tag', () => {
    const plain = inspectAudio(mp3Bytes(5));
    expect(plain.contentType).toBe('audio/mpeg');
    expect(plain.durationMs).toBeGreaterThanOrEqual(5000);
    expect(plain.durationMs).toBeLessThan(5030);
    expect(inspectAudio(mp3Bytes(5, { id3: true })).durationMs).toBe(plain.durationMs);
    expect(inspectAudio(mp3Bytes(5, { bitrateKbps: 32 })).durationMs).toBe(plain.durationMs);
  });

  it('refuses a PNG whatever it is called', () => {
    expect(rejection(pngBytes())).toMatch(/neither WAV nor MP3.*PNG/);
  });

  it('refuses a WAV whose header lies about its length or encoding', () => {
    const truncated = wavBytes(2).subarray(0, 1000);
    expect(rejection(truncated)).toMatch(/truncated/);
    const noData = Buffer.from(wavBytes(0.001).subarray(0, 36));
    noData.writeUInt32LE(28, 4);
    expect(rejection(noData)).toMatch(/no data chunk/);
    const adpcm = wavBytes(1);
    adpcm.writeUInt16LE(0x0011, 20);
    expect(rejection(adpcm)).toMatch(/encoding 0x11 is not supported/);
    const wrongRate = wavBytes(1);
    wrongRate.writeUInt32LE(1234, 28);
    expect(rejection(wrongRate)).toMatch(/byte rate/);
  });

  it('refuses an MP3 whose frames do not follow one another, or that is cut inside a frame', () => {
    const junk = Buffer.concat([mp3Bytes(1), Buffer.from('not audio at all')]);
    expect(rejection(junk)).toMatch(/not MPEG audio frames at offset/);
    const cut = mp3Bytes(1).subarray(0, 1000);
    expect(rejection(cut)).toMatch(/truncated inside its last frame/);
    const freeFormat = mp3Bytes(1);
    freeFormat[2] = 0x00; // bitrate index 0: "free format", which cannot be measured from the header
    expect(rejection(freeFormat)).toMatch(/no MPEG Layer III audio frame/);
  });

  it('refuses an empty file', () => {
    expect(rejection(Buffer.alloc(0))).toMatch(/empty/);
  });
});
