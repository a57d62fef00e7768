// Small formatting helpers for the Markdown report.
import type { Spread } from '../lib/stats.js';

export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number>>,
  align?: readonly ('l' | 'r')[],
): string {
  const cell = (value: string | number) => String(value).replace(/\|/g, '\\|');
  const rule = headers.map((_, index) => ((align?.[index] ?? (index === 0 ? 'l' : 'r')) === 'r' ? '---:' : ':---'));
  return [
    `| ${headers.map(cell).join(' | ')} |`,
    `| ${rule.join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** A number with a sensible number of decimals for its size. */
export function num(value: number, decimals?: number): string {
  if (decimals !== undefined)
    return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  if (Math.abs(value) >= 10) return value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

export const dollars = (value: number, decimals = 3): string => `$${value.toFixed(decimals)}`;

export const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

/** "median (min–max)" of a figure measured in several runs. */
export function ranged(value: Spread, decimals = 1): string {
  if (value.min === value.max) return num(value.median, decimals);
  return `${num(value.median, decimals)} (${num(value.min, decimals)}–${num(value.max, decimals)})`;
}

export const verdict = (met: boolean): string => (met ? '**met**' : '**missed**');
