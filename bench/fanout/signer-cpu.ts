// Micro-benchmark of SigV4 signing alone: CPU per SignatureV4.sign of one management API post, with the SDK's
// @smithy/hash-node SHA-256 and with the KeyObject-caching SigningSha256 the handlers use (same signatures, see
// test/unit/adapters/signing-sha256.test.ts). Alternates the two so that both see the same machine.
// Usage: npx tsx bench/fanout/signer-cpu.ts [runs] [signatures]
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigningSha256 } from '../../lambdas/adapters/signing-sha256.js';

const VARIANTS = { 'hash-node': Hash.bind(null, 'sha256'), SigningSha256 } as const;
const BODY = JSON.stringify({ type: 'message', roomId: 'r1', seq: 42, content: 'x'.repeat(200) });
const BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function requestTo(connectionId: string): HttpRequest {
  return new HttpRequest({
    protocol: 'https:',
    hostname: 'abc123.execute-api.us-east-1.amazonaws.com',
    method: 'POST',
    path: `/prod/@connections/${connectionId}`,
    headers: {
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'content-type': 'application/octet-stream',
      'content-length': String(BODY.length),
      'x-amz-content-sha256': BODY_SHA256,
    },
    body: BODY,
  });
}

/** CPU µs per signature of `count` signatures, after a warm-up. */
export async function signCpuMicros(variant: keyof typeof VARIANTS, count: number): Promise<number> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    sha256: VARIANTS[variant],
    uriEscapePath: true,
    applyChecksum: true,
  });
  for (let i = 0; i < 2_000; i += 1) await signer.sign(requestTo(`warm-${i}=`));
  const before = process.cpuUsage();
  for (let i = 0; i < count; i += 1) await signer.sign(requestTo(`conn-${i}=`));
  const used = process.cpuUsage(before);
  return (used.user + used.system) / count;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

if (process.argv[1]?.endsWith('signer-cpu.ts')) {
  const runs = Number(process.argv[2] ?? 5);
  const count = Number(process.argv[3] ?? 20_000);
  const results = new Map<string, number[]>(Object.keys(VARIANTS).map((name) => [name, []]));
  for (let run = 0; run < runs; run += 1) {
    for (const variant of Object.keys(VARIANTS) as (keyof typeof VARIANTS)[]) {
      results.get(variant)!.push(await signCpuMicros(variant, count));
    }
  }
  for (const [variant, values] of results) {
    const range = `${Math.round(Math.min(...values))}–${Math.round(Math.max(...values))}`;
    console.log(`${variant.padEnd(14)}: CPU µs per signature ${Math.round(median(values))} (${range})`);
  }
}
