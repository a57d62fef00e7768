// Identifiers shaped like API Gateway's: 16 characters, the last one '='. The '=' matters: it must be URL-encoded in
// @connections paths, so a client or notifier that forgets to encode fails locally just as it would on AWS.
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function awsStyleId(): string {
  let id = '';
  for (let i = 0; i < 15; i += 1) id += ALPHABET[randomInt(ALPHABET.length)];
  return `${id}=`;
}
