// Grouped bar charts as plain SVG text, so the report needs no chart library and renders on GitHub as is.

export interface BarGroup {
  label: string;
  /** One value per series; undefined leaves a gap. */
  values: Array<number | undefined>;
}

export interface BarChartSpec {
  title: string;
  subtitle?: string;
  yLabel: string;
  series: string[];
  groups: BarGroup[];
  /** Logarithmic y axis, for values spanning orders of magnitude. */
  log?: boolean;
  /** A horizontal reference line (a target). */
  reference?: { value: number; label: string };
  format?: (value: number) => string;
}

const PALETTE = ['#2b6cb0', '#63b3ed', '#c05621', '#f6ad55', '#2f855a', '#9ae6b4'];
const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { top: 64, right: 20, bottom: 104, left: 76 };
const LEGEND_CHAR_WIDTH = 6.2;

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Round numbers for a linear axis: about five ticks from zero to at least `max`. */
export function linearTicks(max: number): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((factor) => factor * magnitude).find((candidate) => candidate >= rough)!;
  const ticks: number[] = [];
  for (let value = 0; value < max + step * 0.999; value += step) ticks.push(Number(value.toPrecision(12)));
  return ticks;
}

/**
 * Powers of ten covering [min, max], starting a decade lower when the smallest value sits near a power of ten (a
 * bar of 1.05 on an axis starting at 1 would be invisible).
 */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min / 2)); exponent <= Math.ceil(Math.log10(max)); exponent++) {
    ticks.push(Number((10 ** exponent).toPrecision(12)));
  }
  return ticks;
}

const defaultFormat = (value: number): string =>
  value >= 100
    ? value.toFixed(0)
    : value >= 10
      ? value.toFixed(1).replace(/\.0$/, '')
      : Number(value.toPrecision(2)).toString();

export function renderBarChart(spec: BarChartSpec): string {
  const format = spec.format ?? defaultFormat;
  const values = spec.groups.flatMap((group) => group.values).filter((value): value is number => value !== undefined);
  const positives = values.filter((value) => value > 0);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = Math.max(...values, spec.reference?.value ?? 0);
  const ticks = spec.log ? logTicks(Math.min(...positives, spec.reference?.value ?? Infinity), top) : linearTicks(top);
  const low = spec.log ? ticks[0]! : 0;
  const high = ticks[ticks.length - 1]!;
  const y = (value: number): number => {
    const share = spec.log
      ? (Math.log10(Math.max(value, low)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))
      : value / high;
    return MARGIN.top + plotHeight * (1 - share);
  };
  const groupWidth = plotWidth / spec.groups.length;
  const barWidth = Math.min(40, (groupWidth * 0.84) / spec.series.length);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  if (spec.subtitle)
    parts.push(`<text x="${WIDTH / 2}" y="42" text-anchor="middle" fill="#555">${escapeXml(spec.subtitle)}</text>`);
  for (const tick of ticks) {
    const at = y(tick).toFixed(1);
    parts.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#e2e8f0"/>`);
    parts.push(
      `<text x="${MARGIN.left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle" fill="#444">${escapeXml(format(tick))}</text>`,
    );
  }
  parts.push(
    `<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle" fill="#333">${escapeXml(spec.yLabel + (spec.log ? ' (log scale)' : ''))}</text>`,
  );
  spec.groups.forEach((group, groupIndex) => {
    const groupLeft = MARGIN.left + groupIndex * groupWidth + (groupWidth - barWidth * spec.series.length) / 2;
    group.values.forEach((value, seriesIndex) => {
      if (value === undefined) return;
      const x = groupLeft + seriesIndex * barWidth;
      const barTop = y(value);
      const height = Math.max(0, MARGIN.top + plotHeight - barTop);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${PALETTE[seriesIndex % PALETTE.length]}"><title>${escapeXml(`${group.label}, ${spec.series[seriesIndex]}: ${format(value)}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(x + (barWidth - 2) / 2).toFixed(1)}" y="${(barTop - 4).toFixed(1)}" text-anchor="middle" font-size="9" fill="#222">${escapeXml(format(value))}</text>`,
      );
    });
    parts.push(
      `<text x="${(MARGIN.left + groupIndex * groupWidth + groupWidth / 2).toFixed(1)}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle" fill="#222">${escapeXml(group.label)}</text>`,
    );
  });
  if (spec.reference) {
    const at = y(spec.reference.value).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#c53030" stroke-dasharray="6 4"/>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${MARGIN.top + plotHeight}" y2="${MARGIN.top + plotHeight}" stroke="#333"/>`,
  );
  // The legend wraps onto as many rows as it needs; the reference line is its last entry.
  const entries: Array<{ name: string; mark: string }> = spec.series.map((name, index) => ({
    name,
    mark: `<rect x="0" y="-10" width="12" height="12" fill="${PALETTE[index % PALETTE.length]}"/>`,
  }));
  if (spec.reference)
    entries.push({
      name: spec.reference.label,
      mark: '<line x1="0" x2="12" y1="-4" y2="-4" stroke="#c53030" stroke-dasharray="4 2"/>',
    });
  let legendX = MARGIN.left;
  let legendY = MARGIN.top + plotHeight + 44;
  for (const entry of entries) {
    const width = 24 + entry.name.length * LEGEND_CHAR_WIDTH;
    if (legendX + width > WIDTH - MARGIN.right && legendX > MARGIN.left) {
      legendX = MARGIN.left;
      legendY += 18;
    }
    parts.push(
      `<g transform="translate(${legendX.toFixed(1)} ${legendY})">${entry.mark}<text x="16" y="0" fill="#222">${escapeXml(entry.name)}</text></g>`,
    );
    legendX += width;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
