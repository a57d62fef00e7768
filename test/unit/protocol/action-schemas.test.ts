import { describe, expect, it } from 'vitest';
import { ACTION_NAMES, ROUTES, selectRoute, validateAction } from '../../../lambdas/protocol/index.js';

describe('action schemas', () => {
  it('name the offending field in every error', () => {
    const result = validateAction('sendMessage', { roomId: 'r', clientMessageId: 7, content: 'hi' });
    expect(result).toEqual({ ok: false, message: 'clientMessageId: expected string' });
  });

  it('refuse ids with control characters and lone surrogates, which cannot be stored unaltered', () => {
    expect(validateAction('subscribe', { roomId: 'a\u0000b' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^roomId: /),
    });
    expect(validateAction('subscribe', { roomId: 'a\ud800' })).toMatchObject({
      ok: false,
      message: 'roomId: must be well-formed Unicode',
    });
    expect(validateAction('sendMessage', { roomId: 'r', clientMessageId: 'c', content: 'x\udfff' })).toMatchObject({
      ok: false,
      message: 'content: must be well-formed Unicode',
    });
  });

  it('accept emoji and other astral characters', () => {
    expect(validateAction('sendMessage', { roomId: 'r😀', clientMessageId: 'c', content: '👩‍👩‍👧 "\\ </script>' }).ok).toBe(
      true,
    );
  });

  it('bound numbers and lists by the protocol', () => {
    expect(validateAction('getHistory', { roomId: 'r', limit: 101 })).toEqual({
      ok: false,
      message: 'limit: must be at most 100',
    });
    expect(validateAction('addMembers', { roomId: 'r', userIds: [] })).toEqual({
      ok: false,
      message: 'userIds: must be at least 1 items',
    });
    expect(validateAction('updateProfile', { avatarUrl: 'http://x' })).toEqual({
      ok: false,
      message: 'avatarUrl: must be an https:// URL',
    });
  });
});

describe('route table', () => {
  it('has a route for every action, plus the three special routes', () => {
    const keys = ROUTES.map((r) => r.routeKey);
    expect(keys).toEqual(expect.arrayContaining(['$connect', '$disconnect', '$default', ...ACTION_NAMES]));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('selects by action and falls back to $default like API Gateway', () => {
    expect(selectRoute('{"action":"sendMessage"}')).toBe('sendMessage');
    expect(selectRoute('{"action":"nope"}')).toBe('$default');
    expect(selectRoute('{"action":"$connect"}')).toBe('$default');
    expect(selectRoute('not json')).toBe('$default');
    expect(selectRoute('[1]')).toBe('$default');
  });
});
