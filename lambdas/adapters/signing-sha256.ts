// SHA-256 and HMAC-SHA-256 for the SDK's SigV4 signer (the `sha256` it is built with), as @smithy/hash-node's Hash
// computes them, but with each HMAC key made a KeyObject once. Node prepares a raw HMAC key on every createHmac, and
// that is most of an HMAC's cost: 27-32 µs against 3-6 µs with a KeyObject on the machine the project is built on.
// The signer makes two HMACs per request with keys that rarely change (the secret access key, for its signing-key
// cache, and the day's signing key), so caching their KeyObjects more than halves a signature's CPU (150-170 µs to
// 65-73 µs, bench/fanout/signer-cpu.ts). The signatures are the same bytes (test/unit/adapters/signing-sha256.test.ts).
import { createHash, createHmac, createSecretKey, type Hash, type Hmac, type KeyObject } from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/** Secrets given as strings (the secret access key): few at a time, as credentials rotate. */
const MAX_STRING_KEYS = 4;
const stringKeys = new Map<string, KeyObject>();
/**
 * Secrets given as bytes: the signer hands the same cached signing key object for every request of a day (and never
 * changes a key's bytes once made, which a cache by object relies on).
 */
const byteKeys = new WeakMap<object, KeyObject>();

function keyObjectOf(secret: SourceData): KeyObject {
  if (typeof secret === 'string') {
    let key = stringKeys.get(secret);
    if (!key) {
      if (stringKeys.size >= MAX_STRING_KEYS) stringKeys.delete(stringKeys.keys().next().value!);
      key = createSecretKey(Buffer.from(secret, 'utf8'));
      stringKeys.set(secret, key);
    }
    return key;
  }
  let key = byteKeys.get(secret);
  if (!key) {
    key = createSecretKey(Buffer.from(bytesOf(secret)));
    byteKeys.set(secret, key);
  }
  return key;
}

function bytesOf(data: Exclude<SourceData, string>): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

export class SigningSha256 implements Checksum {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: SourceData) {
    this.hash = this.fresh();
  }

  update(data: SourceData): void {
    if (typeof data === 'string') this.hash.update(data, 'utf8');
    else this.hash.update(bytesOf(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(this.hash.digest());
  }

  reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    // As @smithy/hash-node decides: a falsy secret (none, or '') makes a plain hash.
    return this.secret ? createHmac('sha256', keyObjectOf(this.secret)) : createHash('sha256');
  }
}
