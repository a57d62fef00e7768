// The frame inspector reads frame headers from a raw byte stream however TCP splits it: byte by byte, several
// frames in one chunk, 16- and 64-bit lengths, masked or not.
import { describe, expect, it } from 'vitest';
import { createFrameInspector } from '../../../local/gateway/frame-inspector.js';

function frame(opcode: number, payloadBytes: number, { fin = true, masked = true } = {}): Buffer {
  const lengthBytes = payloadBytes < 126 ? 0 : payloadBytes < 65_536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  header[0] = (fin ? 0x80 : 0) | opcode;
  header[1] = (masked ? 0x80 : 0) | (lengthBytes === 0 ? payloadBytes : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) header.writeUInt16BE(payloadBytes, 2);
  if (lengthBytes === 8) header.writeBigUInt64BE(BigInt(payloadBytes), 2);
  return Buffer.concat([header, Buffer.alloc(payloadBytes, 0x61)]);
}

function inspect(stream: Buffer, chunkBytes: number, maxFrameBytes = 32 * 1024) {
  const seen = { dataFrames: 0, oversized: [] as number[] };
  const feed = createFrameInspector(maxFrameBytes, {
    onDataFrame: () => (seen.dataFrames += 1),
    onOversizedFrame: (bytes) => seen.oversized.push(bytes),
  });
  for (let offset = 0; offset < stream.length; offset += chunkBytes) feed(stream.subarray(offset, offset + chunkBytes));
  return seen;
}

describe('frame inspector', () => {
  const stream = Buffer.concat([
    frame(0x1, 5),
    frame(0x9, 4), // ping: not activity
    frame(0x1, 300, { fin: false }),
    frame(0x0, 5_000, { fin: false }), // a 16-bit length
    frame(0x0, 0), // empty final continuation
    frame(0xa, 0), // pong
    frame(0x2, 32 * 1024), // binary, exactly at the limit
  ]);

  it.each([1, 2, 3, 7, 13, 1000, stream.length])(
    'counts data frames and skips control frames in chunks of %i bytes',
    (chunkBytes) => {
      expect(inspect(stream, chunkBytes)).toEqual({ dataFrames: 5, oversized: [] });
    },
  );

  it.each([1, 5, 4096])('reports a frame over the limit once, from its header, in chunks of %i bytes', (chunkBytes) => {
    const over = Buffer.concat([frame(0x1, 10), frame(0x1, 32 * 1024 + 1), frame(0x1, 10)]);
    expect(inspect(over, chunkBytes)).toEqual({ dataFrames: 1, oversized: [32 * 1024 + 1] });
  });

  it('reads 64-bit lengths', () => {
    const header = frame(0x2, 70_000).subarray(0, 14);
    expect(inspect(header, 1)).toEqual({ dataFrames: 0, oversized: [70_000] });
  });
});
