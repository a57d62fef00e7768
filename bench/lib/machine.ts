// What the numbers were measured on: they mean little without it.
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';
import { readFileSync } from 'node:fs';

export interface Machine {
  os: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  loadAverage: [number, number, number];
  freeMemoryGiB: number;
}

function osName(): string {
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty) return `${pretty[1]} (${type()} ${release()})`;
  } catch {
    // not Linux, or no os-release: the kernel's name will do
  }
  return `${type()} ${release()}`;
}

export function describeMachine(): Machine {
  const processors = cpus();
  return {
    os: osName(),
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: totalmem() / 1024 ** 3,
    node: process.version,
    loadAverage: loadavg().map((value) => Number(value.toFixed(2))) as [number, number, number],
    freeMemoryGiB: freemem() / 1024 ** 3,
  };
}
