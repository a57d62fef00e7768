// PROTOCOL.md "Profiles" and the updateProfile action.
import { describe, expect } from 'vitest';
import { useLocalStack } from './support/local-stack-fixture.js';
import { expectAckFields } from './support/wire.js';

const local = useLocalStack();

describe('profiles', () => {
  local.it("fills the profile from the token's name on the first connection", async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { user: bob, client: b } = await local.connectNew('bob');
    const room = await local.createRoom(a, [bob]);
    const members = await b.ack('listMembers', { roomId: room.roomId });
    expect(members.members).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: alice.userId, displayName: alice.name })]),
    );
  });

  local.it('updateProfile acks the user with the chosen name and avatar', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const ack = await a.ack('updateProfile', {
      displayName: 'Alice in Wonderland',
      avatarUrl: 'https://example.com/a.png',
    });
    expectAckFields(ack, ['user']);
    expect(ack.user).toMatchObject({
      userId: alice.userId,
      displayName: 'Alice in Wonderland',
      avatarUrl: 'https://example.com/a.png',
    });
    const hello = await a.ack('hello');
    expect(hello.user).toMatchObject({ displayName: 'Alice in Wonderland', avatarUrl: 'https://example.com/a.png' });
  });

  local.it('updateProfile with only an avatar keeps the name, and with nothing changes nothing', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const avatarOnly = await a.ack('updateProfile', { avatarUrl: 'https://example.com/b.png' });
    expect(avatarOnly.user).toMatchObject({
      userId: alice.userId,
      displayName: alice.name,
      avatarUrl: 'https://example.com/b.png',
    });
    const nothing = await a.ack('updateProfile', {});
    expect(nothing.user).toMatchObject({
      userId: alice.userId,
      displayName: alice.name,
      avatarUrl: 'https://example.com/b.png',
    });
  });

  local.it('accepts a display name of 64 characters and refuses 0 or 65', async () => {
    const { client: a } = await local.connectNew('alice');
    const longest = 'n'.repeat(64);
    expect((await a.ack('updateProfile', { displayName: longest })).user).toMatchObject({ displayName: longest });
    for (const displayName of ['', 'n'.repeat(65)]) {
      const error = await a.error('updateProfile', { displayName });
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain('displayName');
    }
    expect((await a.ack('hello')).user).toMatchObject({ displayName: longest });
  });

  local.it('refuses an avatar that is not an https URL', async () => {
    const { client: a } = await local.connectNew('alice');
    for (const avatarUrl of [
      'http://example.com/a.png',
      'not a url',
      'javascript:alert(1)',
      `https://e.com/${'a'.repeat(2_040)}`,
    ]) {
      const error = await a.error('updateProfile', { avatarUrl });
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.message).toContain('avatarUrl');
    }
  });

  local.it('later connections do not override a name chosen with updateProfile', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const { client: b } = await local.connectNew('bob');
    const room = await local.createRoom(b, [alice]);
    await a.ack('updateProfile', { displayName: 'Chosen Name' });
    await a.close();

    // A new connection whose token carries another name.
    const again = await local.connect(alice, { claims: { name: 'Token Name' }, label: 'alice2' });
    expect((await again.ack('hello')).user).toMatchObject({ userId: alice.userId, displayName: 'Chosen Name' });
    const members = await b.ack('listMembers', { roomId: room.roomId });
    expect(members.members).toEqual(
      expect.arrayContaining([expect.objectContaining({ userId: alice.userId, displayName: 'Chosen Name' })]),
    );
    const sent = await again.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'hi' });
    expect(sent.message).toMatchObject({ senderId: alice.userId, senderName: 'Chosen Name' });
  });

  local.it('a message carries the sender name at the time it was sent', async () => {
    const { user: alice, client: a } = await local.connectNew('alice');
    const room = await local.createRoom(a);
    const first = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c1', content: 'one' });
    expect(first.message).toMatchObject({ senderName: alice.name });
    await a.ack('updateProfile', { displayName: 'Renamed' });
    const second = await a.ack('sendMessage', { roomId: room.roomId, clientMessageId: 'c2', content: 'two' });
    expect(second.message).toMatchObject({ senderName: 'Renamed' });
  });
});
