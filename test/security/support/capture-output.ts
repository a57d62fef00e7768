// Everything the process writes to stdout and stderr while a test runs: Powertools writes INFO and DEBUG lines to
// stdout and WARN and ERROR lines to stderr, so the two together are every log line the local stack emits.
import { vi } from 'vitest';

export interface CapturedOutput {
  text(): string;
  lines(): string[];
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const spies = [process.stdout, process.stderr].map((stream) =>
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }),
  );
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.trim() !== ''),
    restore: () => spies.forEach((spy) => spy.mockRestore()),
  };
}
