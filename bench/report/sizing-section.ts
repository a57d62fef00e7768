// Section 8: each function's memory, from the measured CPU and the model in bench/cost/function-sizing.ts.
import { renderSizing } from '../cost/sizing-report.js';
import type { BenchResults } from './report-types.js';
import { num } from './markdown.js';

export function sizingSection(sizing: NonNullable<BenchResults['sizing']>): string {
  const rates = Object.entries(sizing.postsPerSecond)
    .map(([variant, perSecond]) => `${variant} ${num(perSecond, 0)} posts/s`)
    .join(', ');
  return [
    '## 8. Function memory, sized by measurement',
    '',
    "Each function's own CPU was measured against dynalite with a notifier that only counts posts (bench/cost/function-cpu.ts), " +
      `the CPU per post alone with 50 in flight against a 10 ms management API (bench/fanout/notifier-cpu.ts; ${rates}), and each bundle's load CPU in section 6 when it ran. ` +
      "The model (bench/cost/function-sizing.ts) takes CPU / share of a vCPU (memory / 1,769 MB, at most one) against the posts' own pace (50 in flight, 10 ms each) and adds the DynamoDB round trips waited for in turn; " +
      "Lambda bills per started millisecond and per request (arm64). This machine's core stands in for a Lambda vCPU (Graviton): an assumption, and on a busy machine CPU times run high.",
    '',
    renderSizing(sizing.cpu),
  ].join('\n');
}
