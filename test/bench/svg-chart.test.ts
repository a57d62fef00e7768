import { describe, expect, it } from 'vitest';
import { escapeXml, linearTicks, logTicks, renderBarChart } from '../../bench/lib/svg-chart.js';

describe('axis ticks', () => {
  it('picks round linear steps from zero past the maximum', () => {
    expect(linearTicks(47)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(linearTicks(0.9)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('covers a log range with powers of ten', () => {
    expect(logTicks(0.3, 250)).toEqual([0.1, 1, 10, 100, 1000]);
    expect(logTicks(1.04, 6)).toEqual([0.1, 1, 10]);
  });
});

describe('bar chart', () => {
  const spec = {
    title: 'Reads per message <by design>',
    yLabel: 'read units',
    series: ['single table', 'scan & post'],
    groups: [
      { label: 'room of 2', values: [4, 61] },
      { label: 'room of 10', values: [4, undefined] },
    ],
  };

  it('draws one bar per value, skips gaps, and escapes text', () => {
    const svg = renderBarChart(spec);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(3);
    expect(svg).toContain('Reads per message &lt;by design&gt;');
    expect(svg).toContain('scan &amp; post');
  });

  it('draws a reference line with its label', () => {
    const svg = renderBarChart({ ...spec, reference: { value: 50, label: 'target 50' } });
    expect(svg).toContain('stroke-dasharray');
    expect(svg).toContain('target 50');
  });

  it('places a taller value higher on a log axis', () => {
    const svg = renderBarChart({ ...spec, log: true });
    const tops = [...svg.matchAll(/<rect x="[^"]+" y="([^"]+)"[^>]*><title>([^<]+)<\/title>/g)].map(
      (m) => [m[2], Number(m[1])] as const,
    );
    const small = tops.find(([title]) => title!.includes('room of 2, single table'))![1];
    const large = tops.find(([title]) => title!.includes('room of 2, scan'))![1];
    expect(large).toBeLessThan(small);
  });

  it('escapes ampersands, angle brackets and double quotes', () => {
    expect(escapeXml('<a & "b">')).toBe('&lt;a &amp; &quot;b&quot;&gt;');
  });
});
