// fast-check generators of what a client (or an attacker) can put in a frame: random bytes and text, any JSON,
// deep nesting, huge and odd numbers, unicode edge cases (lone surrogates, BOM, zero-width, right-to-left, NUL),
// envelopes with wrong types, and every action with exactly one field made wrong.
import fc from 'fast-check';
import { ACTION_NAMES, LIMITS } from '../../../lambdas/protocol/index.js';

/** Strings that break naive handling: lone and reversed surrogates, BOM, NUL, zero-width, RTL, combining marks. */
export const nastyString = fc.oneof(
  fc.constantFrom(
    '\ud800',
    '\udfff',
    'a\ud83d',
    '\ude80b',
    '\udc00\ud800',
    '\ufeff',
    '\u0000',
    'a\u0000b',
    '\u200b\u200d',
    '\u202eevil\u202c',
    'e\u0301\u0301\u0301',
    '🚀',
    '👩‍👩‍👧‍👦',
    '\\',
    '"',
    '</script>',
    '{"action":"hello"}',
    '__proto__',
    'constructor',
    'toString',
    ' ',
    '\n\r\t',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Numbers at and beyond every edge JSON and JavaScript have. */
export const nastyNumber = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    0.5,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    2 ** 63,
    Number.MIN_VALUE,
    4001,
    101,
  ),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);

/** Any JSON value, odd leaves included. */
export const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyString,
    nastyNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('action', 'requestId', 'roomId', 'userId')), tie('value'), {
      maxKeys: 4,
    }),
  ),
})).value;

/** Deep nesting within the gateway's 32 KB frame limit. */
export const deeplyNested = fc
  .record({ depth: fc.integer({ min: 100, max: 15_000 }), shape: fc.constantFrom('array', 'object', 'field') })
  .map(({ depth, shape }) => {
    if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
    const inner = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    return shape === 'object'
      ? inner
      : `{"action":"sendMessage","requestId":"deep","roomId":${inner},"content":"x","clientMessageId":"c"}`;
  });

/** Random bytes read as UTF-8 (invalid sequences become U+FFFD, as the gateway would hand them on). */
export const randomBytesText = fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('utf8'));

/** A JSON object frame whose envelope (action, requestId) is drawn from anything. */
export const oddEnvelope = fc
  .record(
    {
      action: fc.oneof(fc.constantFrom(...ACTION_NAMES), nastyString, anyJson),
      requestId: fc.oneof(
        fc.string({ minLength: 1, maxLength: 64 }),
        nastyString,
        anyJson,
        fc.string({ minLength: 65, maxLength: 80 }),
      ),
      extra: fc.dictionary(nastyString, anyJson, { maxKeys: 5 }),
    },
    { requiredKeys: [] },
  )
  .map(({ extra, ...envelope }) => JSON.stringify({ ...extra, ...envelope }));

export type FieldKind =
  | 'id'
  | 'name'
  | 'displayName'
  | 'reason'
  | 'content'
  | 'url'
  | 'nullableUrl'
  | 'ids'
  | 'nonEmptyIds'
  | 'seq'
  | 'limit'
  | 'boolean'
  | 'cursor'
  | 'messageType'
  | 'emoji'
  | 'platform'
  | 'deviceToken'
  | 'contentType'
  | 'size'
  | 'fileName'
  | 'attachmentRef';

const wrongType = (except: 'string' | 'number' | 'boolean' | 'array') =>
  fc.oneof(
    ...(except === 'string' ? [] : [nastyString.filter((s) => s.length > 0)]),
    ...(except === 'number' ? [] : [fc.integer()]),
    ...(except === 'boolean' ? [] : [fc.boolean()]),
    ...(except === 'array' ? [] : [fc.array(fc.string(), { maxLength: 2 })]),
    fc.constant(null),
    fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  );

const badId = fc.oneof(
  wrongType('string'),
  fc.constantFrom(
    '',
    'x'.repeat(LIMITS.idMaxLength + 1),
    'a\u0000b',
    'tab\there',
    '\u007f',
    'a\ud800',
    '\udfffz',
    '\u0085',
  ),
);

/** Values the schema must refuse for a field of this kind (never values it could accept). */
export function wrongValueFor(kind: FieldKind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'id':
      return badId;
    case 'name':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom('', 'n'.repeat(LIMITS.roomNameMaxLength + 1), 'half \ud800'),
      );
    case 'displayName':
      return fc.oneof(wrongType('string'), fc.constantFrom('', 'n'.repeat(LIMITS.displayNameMaxLength + 1), '\udc00'));
    case 'reason':
      return fc.oneof(wrongType('string'), fc.constantFrom('', 'r'.repeat(LIMITS.reportReasonMaxLength + 1), '\udc00'));
    case 'content':
      return fc.oneof(wrongType('string'), fc.constantFrom('', 'lone \ud83d'));
    case 'url':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom(
          'http://example.com/a.png',
          'javascript:alert(1)',
          'not a url',
          '',
          `https://x.example/${'a'.repeat(LIMITS.urlMaxLength)}`,
        ),
      );
    case 'nullableUrl':
      return fc.oneof(
        wrongType('string').filter((v) => v !== null),
        fc.constantFrom('ftp://example.com/a', 'data:text/html,hi', ''),
      );
    case 'ids':
      return fc.oneof(
        wrongType('array'),
        fc.constant(Array.from({ length: LIMITS.memberIdsMax + 1 }, (_, i) => `u${i}`)),
        badId.map((id) => ['fine-id', id]),
      );
    case 'nonEmptyIds':
      return fc.oneof(wrongValueFor('ids'), fc.constant([]));
    case 'seq':
      return fc.oneof(wrongType('number'), fc.constantFrom(-1, 0.5, Number.MAX_SAFE_INTEGER + 2, 1e300, -0.0001));
    case 'limit':
      return fc.oneof(wrongType('number'), fc.constantFrom(0, -1, LIMITS.historyMaxLimit + 1, 2.5, 1e10));
    case 'boolean':
      return wrongType('boolean');
    case 'cursor':
      return fc.oneof(wrongType('string'), fc.constantFrom('', 'c'.repeat(2_049)));
    case 'messageType':
      return fc.oneof(wrongType('string'), fc.constantFrom('TEXT', 'video', '', 'text '));
    case 'emoji':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom('', 'a', '1', '#', ':+1:', '👍👍', '👍 ', '\ud83d', '__proto__', '🏳️‍🌈'.repeat(3)),
      );
    case 'platform':
      return fc.oneof(wrongType('string'), fc.constantFrom('APNS', 'gcm', 'apns ', '', 'sms'));
    case 'deviceToken':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom('', 't'.repeat(LIMITS.deviceTokenMaxLength + 1), 'with space', 'tab\t', 'caf\u00e9', '\ud83d'),
      );
    case 'contentType':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom('', 'image', 'image/', '/png', 'image/png; x=y', 'a'.repeat(LIMITS.contentTypeMaxLength + 1)),
      );
    case 'size':
      return fc.oneof(wrongType('number'), fc.constantFrom(0, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e300));
    case 'fileName':
      return fc.oneof(wrongType('string'), fc.constantFrom('', 'f'.repeat(LIMITS.fileNameMaxLength + 1), 'a\ud800'));
    case 'attachmentRef':
      return fc.oneof(
        wrongType('string'),
        fc.constantFrom(
          '',
          'https://example.com/a.png',
          'attachment:rooms/r/not-a-uuid/a.png',
          'attachment:rooms/r/00000000-0000-4000-8000-000000000000/../a.png',
          'attachment:rooms/%zz/00000000-0000-4000-8000-000000000000/a.png',
          'attachment:other/r/00000000-0000-4000-8000-000000000000/a.png',
        ),
      );
  }
}

/** Arbitrary text, any JSON, deep nesting, random bytes and odd envelopes: everything a frame body can be. */
export const anyFrameBody = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  randomBytesText,
  anyJson.map((value) => JSON.stringify(value) ?? 'null'),
  deeplyNested,
  oddEnvelope,
);
