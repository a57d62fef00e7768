// API Gateway closes a connection with 1009 when one client frame is over 32 KB, even when the message it belongs to
// is small enough. `ws` only limits whole messages (maxPayload), so this reads the frame headers of the raw client
// byte stream itself. It sees every byte before `ws` does (its listener is prepended), skips payloads without
// copying them, and never alters the stream.

export interface FrameInspectorEvents {
  /** A text, binary or continuation frame began: client activity (control frames such as ping do not count). */
  onDataFrame(): void;
  /** A data frame's header announced more than the allowed payload; the inspector stops after this. */
  onOversizedFrame(payloadBytes: number): void;
}

const MAX_HEADER_BYTES = 14;
const FIRST_CONTROL_OPCODE = 0x8;

export function createFrameInspector(maxFrameBytes: number, events: FrameInspectorEvents): (chunk: Buffer) => void {
  const header = Buffer.alloc(MAX_HEADER_BYTES);
  let headerFilled = 0;
  let payloadRemaining = 0;
  let stopped = false;

  return (chunk: Buffer) => {
    let offset = 0;
    while (!stopped && offset < chunk.length) {
      if (payloadRemaining > 0) {
        const skipped = Math.min(payloadRemaining, chunk.length - offset);
        payloadRemaining -= skipped;
        offset += skipped;
        continue;
      }
      header[headerFilled++] = chunk[offset++]!;
      const needed = headerLength(header, headerFilled);
      if (needed === undefined || headerFilled < needed) continue;

      const opcode = header[0]! & 0x0f;
      const payloadBytes = payloadLength(header);
      headerFilled = 0;
      if (opcode < FIRST_CONTROL_OPCODE) {
        if (payloadBytes > maxFrameBytes) {
          stopped = true;
          events.onOversizedFrame(payloadBytes);
          return;
        }
        events.onDataFrame();
      }
      payloadRemaining = payloadBytes;
    }
  };
}

/** The full header length once its first two bytes are known (RFC 6455, 5.2). */
function headerLength(header: Buffer, filled: number): number | undefined {
  if (filled < 2) return undefined;
  const length7 = header[1]! & 0x7f;
  const extendedLengthBytes = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  const maskBytes = header[1]! & 0x80 ? 4 : 0;
  return 2 + extendedLengthBytes + maskBytes;
}

function payloadLength(header: Buffer): number {
  const length7 = header[1]! & 0x7f;
  if (length7 === 126) return header.readUInt16BE(2);
  if (length7 === 127) return header.readUInt32BE(2) * 2 ** 32 + header.readUInt32BE(6);
  return length7;
}
