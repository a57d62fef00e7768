// Progress on stderr (the report goes to a file): one line per step with the time since the run began.
const started = performance.now();

const elapsed = (): string => {
  const seconds = (performance.now() - started) / 1000;
  return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;
};

export function progress(message: string): void {
  process.stderr.write(`[bench ${elapsed()}] ${message}\n`);
}

/** Times `work` and reports it as one step. */
export async function step<T>(label: string, work: () => Promise<T>): Promise<T> {
  progress(`${label} …`);
  const begin = performance.now();
  const result = await work();
  progress(`${label} done in ${((performance.now() - begin) / 1000).toFixed(1)} s`);
  return result;
}
