import { describe, expect, it } from 'vitest';
import {
  attributeValueSize,
  batchGetUnits,
  failedConditionalWriteUnits,
  indexWriteUnits,
  itemSize,
  itemWriteUnits,
  numberSize,
  queryUnits,
  readUnits,
  writeUnits,
} from '../../bench/capacity/dynamo-rules.js';
import { placeholdersOf, toAttributeValue } from '../../bench/capacity/capacity-meter.js';

const index = { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' };

describe('item sizes by DynamoDB rules', () => {
  it('counts attribute names and string values in UTF-8 bytes', () => {
    expect(itemSize({ pk: { S: 'ROOM#a' } })).toBe(2 + 6);
    // "é" is 2 bytes, an emoji 4: JavaScript string length would say 1 and 2.
    expect(itemSize({ c: { S: 'é😀' } })).toBe(1 + 6);
  });

  it('counts one byte per two significant digits of a number, plus one', () => {
    expect(numberSize('1')).toBe(2);
    expect(numberSize('1700000000000')).toBe(2); // trailing zeros trimmed: "17"
    expect(numberSize('1732749123456')).toBe(8);
    expect(numberSize('-0.00125')).toBe(3);
    expect(numberSize('0')).toBe(1);
  });

  it('counts booleans and null as one byte, lists and maps with 3 bytes plus 1 per element', () => {
    expect(attributeValueSize({ BOOL: true })).toBe(1);
    expect(attributeValueSize({ NULL: true })).toBe(1);
    expect(attributeValueSize({ L: [{ S: 'ab' }, { BOOL: false }] })).toBe(3 + (1 + 2) + (1 + 1));
    expect(attributeValueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1);
    expect(attributeValueSize({ SS: ['a', 'bc'] })).toBe(3);
  });

  it('marshals document values the way the document client does', () => {
    expect(toAttributeValue('x')).toEqual({ S: 'x' });
    expect(toAttributeValue(12)).toEqual({ N: '12' });
    expect(toAttributeValue(false)).toEqual({ BOOL: false });
    expect(toAttributeValue(null)).toEqual({ NULL: true });
    expect(toAttributeValue({ a: [1] })).toEqual({ M: { a: { L: [{ N: '1' }] } } });
  });
});

describe('read units', () => {
  it('rounds up to 4 KB, halves eventually consistent reads, charges the minimum for nothing found', () => {
    expect(readUnits(3500, true)).toBe(1);
    expect(readUnits(4097, true)).toBe(2);
    expect(readUnits(10 * 1024, false)).toBe(1.5);
    expect(readUnits(0, true)).toBe(1);
    expect(readUnits(0, false)).toBe(0.5);
  });

  it('rounds each item of a batch on its own but a query once for all items read', () => {
    expect(batchGetUnits([1536, 6656], true)).toBe(1 + 2);
    expect(queryUnits(new Array<number>(1500).fill(64), true)).toBe(24); // 96 KB
    expect(queryUnits([], false)).toBe(0.5);
  });
});

describe('write units', () => {
  it('rounds up to 1 KB of the larger of before and after', () => {
    expect(writeUnits(500)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(itemWriteUnits(undefined, { a: { S: 'x'.repeat(1500) } })).toBe(2);
    expect(itemWriteUnits({ a: { S: 'x'.repeat(2100) } }, { a: { S: 'y' } })).toBe(3);
  });

  it('charges a failed conditional write: the new size for an existing item, 1 for a missing one', () => {
    expect(failedConditionalWriteUnits(undefined, { a: { S: 'x'.repeat(3000) } })).toBe(1);
    expect(failedConditionalWriteUnits({ a: { S: 'x' } }, { a: { S: 'x'.repeat(3000) } })).toBe(3);
    expect(failedConditionalWriteUnits({ a: { S: 'x'.repeat(1500) } }, undefined)).toBe(2);
  });
});

describe('index writes (projection ALL)', () => {
  const member = {
    pk: { S: 'ROOM#r' },
    sk: { S: 'MEMBER#u' },
    gsi1pk: { S: 'USER#u' },
    gsi1sk: { S: 'ROOM#r' },
    lastReadSeq: { N: '1' },
  };

  it('costs one write to add, change or remove an entry, two to move it, none for items outside the index', () => {
    expect(indexWriteUnits(undefined, member, index)).toBe(1);
    expect(indexWriteUnits(member, { ...member, lastReadSeq: { N: '2' } }, index)).toBe(1);
    expect(indexWriteUnits(member, undefined, index)).toBe(1);
    expect(indexWriteUnits(member, { ...member, gsi1pk: { S: 'USER#v' } }, index)).toBe(2);
    expect(indexWriteUnits(member, member, index)).toBe(0);
    expect(indexWriteUnits({ pk: { S: 'a' }, sk: { S: 'b' } }, { pk: { S: 'a' }, sk: { S: 'c' } }, index)).toBe(0);
  });
});

describe('placeholders', () => {
  it('finds the names and values an expression uses', () => {
    expect([...placeholdersOf('#pk = :pk AND begins_with(#sk, :prefix)')].sort()).toEqual([
      '#pk',
      '#sk',
      ':pk',
      ':prefix',
    ]);
  });
});
