// The demo chat page. Everything it does goes through the SDK (vendor/chat-client.js, built by `npm run build`);
// the only other request is GET /dev/token, the local stack's stand-in for signing in with Cognito.
import { ChatClient, LIMITS, applyChange } from './vendor/chat-client.js';

const HISTORY_PAGE = 30;
/** The reactions offered on every message (any single emoji would do). */
const QUICK_REACTIONS = ['👍', '❤️', '😂'];
const $ = (id) => document.getElementById(id);

/** @type {ChatClient | undefined} */
let client;
let currentRoomId;
/** What the composer does besides sending: `{ kind: 'reply' | 'edit', seq }`, or undefined. */
let composing;
/** Per room: messages by seq, whether older ones exist, members. Unread counts are the SDK's. */
const roomViews = new Map();

// ---- Signing in ---------------------------------------------------------------------------------------------------

function slug(name) {
  return (
    name
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'user'
  );
}

$('name-input').addEventListener('input', () => {
  $('user-id-input').placeholder = slug($('name-input').value) || 'made from the name';
});

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('name-input').value.trim();
  const userId = $('user-id-input').value.trim() || slug(name);
  if (!name) return;
  sessionStorage.setItem('chat-demo-user', JSON.stringify({ name, userId }));
  join(name, userId);
});

async function fetchToken(userId, name) {
  const response = await fetch(`/dev/token?sub=${encodeURIComponent(userId)}&name=${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`dev token: ${(await response.json()).message ?? response.status}`);
  return (await response.json()).token;
}

async function join(name, userId) {
  $('join-button').disabled = true;
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
  // getToken runs before every (re)connection, so a reconnect always carries a fresh token.
  client = new ChatClient({ url: wsUrl, getToken: () => fetchToken(userId, name) });
  wireEvents(client);
  try {
    await client.connect();
  } catch (error) {
    showError(error);
    $('join-button').disabled = false;
    return;
  }
  $('login').hidden = true;
  $('chat').hidden = false;
  $('who').hidden = false;
  $('my-name').textContent = client.user.displayName;
  $('my-id').textContent = client.user.userId;
  renderRooms();
}

$('copy-id').addEventListener('click', () => {
  navigator.clipboard?.writeText($('my-id').textContent).then(
    () => toast('User id copied'),
    () => undefined,
  );
});

// ---- Events from the SDK ------------------------------------------------------------------------------------------

function wireEvents(chat) {
  chat.on('state', ({ state }) => {
    const labels = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'closed' };
    $('state').dataset.state = state;
    $('state').textContent = labels[state] ?? state;
  });
  chat.on('roomsChanged', () => renderRooms());
  chat.on('message', ({ roomId, message }) => {
    const view = viewOf(roomId);
    view.messages.set(message.seq, message);
    if (roomId === currentRoomId) {
      renderMessages({ stickToBottom: message.senderId === chat.user?.userId || isNearBottom() });
      markRead(roomId);
    }
  });
  chat.on('messageChanged', ({ roomId, change }) => {
    // Applied to the page's own copy: it also holds messages read with getHistory, which the SDK never emitted.
    const view = viewOf(roomId);
    const target = view.messages.get(change.changeOf);
    if (!target) return;
    view.messages.set(target.seq, applyChange(target, change, chat.user?.userId));
    if (roomId === currentRoomId) renderMessages({ stickToBottom: false });
  });
  // Kept live by the SDK: messages from others, markRead here or on the user's other devices, reconnects.
  chat.on('unreadChanged', () => renderRooms());
  chat.on('typingChanged', ({ roomId }) => {
    if (roomId === currentRoomId) renderTyping();
  });
  chat.on('presenceChanged', ({ roomId }) => {
    if (roomId === currentRoomId) renderMembers();
  });
  chat.on('memberJoined', ({ roomId, user }) => {
    const view = viewOf(roomId);
    view.members.set(user.userId, user);
    if (roomId === currentRoomId) renderMembers();
  });
  chat.on('memberLeft', ({ roomId, userId }) => {
    viewOf(roomId).members.delete(userId);
    if (roomId === currentRoomId) renderMembers();
  });
  chat.on('roomJoined', ({ room }) => toast(`You were added to “${room.name}”`));
  chat.on('error', (error) => {
    // Failed connection attempts are retried by the SDK; the state badge already says so.
    if (error.code !== 'CONNECT_FAILED') showError(error);
  });
}

function viewOf(roomId) {
  let view = roomViews.get(roomId);
  if (!view) {
    view = { messages: new Map(), hasOlder: false, loaded: false, members: new Map() };
    roomViews.set(roomId, view);
  }
  return view;
}

// ---- Rooms --------------------------------------------------------------------------------------------------------

function renderRooms() {
  const rooms = client.rooms().sort((a, b) => a.name.localeCompare(b.name));
  const list = $('room-list');
  list.replaceChildren(
    ...rooms.map((room) => {
      const item = document.createElement('li');
      item.dataset.roomId = room.roomId;
      item.classList.toggle('active', room.roomId === currentRoomId);
      const name = document.createElement('span');
      name.textContent = room.name;
      if (room.kind === 'direct')
        name.append(Object.assign(document.createElement('span'), { className: 'kind', textContent: 'direct' }));
      item.append(name);
      const unread = client.unreadCount(room.roomId);
      // The count stops at LIMITS.unreadCountMax, which means "that many or more".
      const label = unread >= LIMITS.unreadCountMax ? `${LIMITS.unreadCountMax - 1}+` : String(unread);
      if (unread > 0)
        item.append(Object.assign(document.createElement('span'), { className: 'badge', textContent: label }));
      item.addEventListener('click', () => openRoom(room.roomId));
      return item;
    }),
  );
  $('no-rooms').hidden = rooms.length > 0;
  const total = client.unreadTotal;
  document.title = total > 0 ? `(${total}) Chat — local stack` : 'Chat — local stack';
  if (currentRoomId && !client.room(currentRoomId)) closeRoomView();
}

async function openRoom(roomId) {
  currentRoomId = roomId;
  const room = client.room(roomId);
  const view = viewOf(roomId);
  renderRooms();
  $('room-empty').hidden = true;
  $('room-view').hidden = false;
  $('chat').classList.add('room-open');
  $('room-name').textContent = room?.name ?? roomId;
  $('room-id').textContent = roomId;
  $('composer-input').value = '';
  setComposing(undefined);
  renderMessages({ stickToBottom: true });
  renderTyping();
  renderMembers();
  try {
    if (!view.loaded) {
      // The newest page; live messages that arrived meanwhile are merged by seq, so none shows twice.
      const { messages, hasMore } = await client.getHistory(roomId, { limit: HISTORY_PAGE });
      for (const message of messages) view.messages.set(message.seq, message);
      view.hasOlder = hasMore;
      view.loaded = true;
      if (roomId === currentRoomId) renderMessages({ stickToBottom: true });
    }
    const [members] = await Promise.all([client.listMembers(roomId), client.presence.watch(roomId)]);
    view.members = new Map(members.map((member) => [member.userId, member]));
    if (roomId === currentRoomId) renderMembers();
    markRead(roomId);
  } catch (error) {
    showError(error);
  }
  $('composer-input').focus();
}

function closeRoomView() {
  currentRoomId = undefined;
  $('room-view').hidden = true;
  $('room-empty').hidden = false;
  $('chat').classList.remove('room-open');
}

// On a phone the room list and the room are two views (style.css); back to the list, the room counts unread again.
$('back-to-rooms').addEventListener('click', () => {
  closeRoomView();
  renderRooms();
});

/** Runs a form's action on submit; a failure shows as a notice and leaves the form as it was. */
function onSubmit(formId, action) {
  $(formId).addEventListener('submit', (event) => {
    event.preventDefault();
    action().catch(showError);
  });
}

onSubmit('new-room-form', async () => {
  const memberIds = parseIds($('new-room-members').value);
  const room = await client.createRoom($('new-room-name').value.trim(), memberIds.length ? memberIds : undefined);
  $('new-room-name').value = '';
  $('new-room-members').value = '';
  await openRoom(room.roomId);
});

onSubmit('direct-form', async () => {
  const room = await client.openDirect($('direct-user').value.trim());
  $('direct-user').value = '';
  await openRoom(room.roomId);
});

onSubmit('add-members-form', async () => {
  const userIds = parseIds($('add-members-input').value);
  if (!currentRoomId || userIds.length === 0) return;
  await client.addMembers(currentRoomId, userIds);
  $('add-members-input').value = '';
  const members = await client.listMembers(currentRoomId);
  viewOf(currentRoomId).members = new Map(members.map((member) => [member.userId, member]));
  renderMembers();
  toast(`Added ${userIds.join(', ')}`);
});

function parseIds(text) {
  return text
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter(Boolean);
}

// ---- Messages -----------------------------------------------------------------------------------------------------

function renderMessages({ stickToBottom }) {
  const view = viewOf(currentRoomId);
  const stored = [...view.messages.values()].sort((a, b) => a.seq - b.seq);
  // Messages still in the SDK's outbox show greyed until the server has stored them.
  const storedIds = new Set(stored.map((m) => m.clientMessageId));
  const pending = client.pendingMessages(currentRoomId).filter((m) => !storedIds.has(m.clientMessageId));
  $('message-list').replaceChildren(
    ...stored.map((m) => messageItem(m, false)),
    ...pending.map((m) => messageItem(m, true)),
  );
  $('load-older').hidden = !view.hasOlder;
  if (stickToBottom) $('messages').scrollTop = $('messages').scrollHeight;
}

function messageItem(message, pending) {
  const own = pending || message.senderId === client.user?.userId;
  const item = document.createElement('li');
  item.className = `message${own ? ' own' : ''}${pending ? ' pending' : ''}${message.deleted ? ' deleted' : ''}`;
  if (!pending) item.dataset.seq = String(message.seq);
  if (message.replyTo !== undefined) item.append(quoteOf(message.replyTo));
  const meta = document.createElement('div');
  meta.className = 'meta';
  const sender = document.createElement('span');
  sender.className = 'sender';
  sender.textContent = pending ? client.user.displayName : message.senderName;
  const time = document.createElement('span');
  time.textContent = pending
    ? 'sending…'
    : new Date(message.createdAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.append(sender, time);
  if (message.editedAt && !message.deleted)
    meta.append(Object.assign(document.createElement('span'), { className: 'edited', textContent: ' (edited)' }));
  const content = document.createElement('div');
  content.className = 'content';
  // textContent, never innerHTML: content arrives byte for byte, markup included.
  content.textContent = message.deleted ? 'Message deleted' : message.content;
  item.append(meta, content);
  if (!pending && message.attachmentUrl) item.append(attachmentOf(message));
  if (!pending && !message.deleted) item.append(reactionsOf(message), actionsOf(message, own));
  return item;
}

/** The line above a reply: who wrote the message it answers, and its start, from the page's copy of it. */
function quoteOf(seq) {
  const target = viewOf(currentRoomId).messages.get(seq);
  const quote = document.createElement('div');
  quote.className = 'quote';
  quote.textContent = !target
    ? `↪ reply to message ${seq}`
    : `↪ ${target.senderName}: ${target.deleted ? 'Message deleted' : target.content.slice(0, 80)}`;
  return quote;
}

function reactionsOf(message) {
  const row = document.createElement('div');
  row.className = 'reactions';
  for (const reaction of message.reactions ?? []) {
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.className = `reaction${reaction.reactedByMe ? ' mine' : ''}`;
    chip.dataset.emoji = reaction.emoji;
    chip.textContent = `${reaction.emoji} ${reaction.count}`;
    chip.addEventListener('click', () => toggleReaction(message, reaction.emoji));
    row.append(chip);
  }
  return row;
}

function actionsOf(message, own) {
  const row = document.createElement('div');
  row.className = 'message-actions';
  const action = (label, title, onClick) => {
    const button = Object.assign(document.createElement('button'), { type: 'button', textContent: label, title });
    button.dataset.action = title;
    button.addEventListener('click', onClick);
    row.append(button);
  };
  for (const emoji of QUICK_REACTIONS) action(emoji, `react ${emoji}`, () => toggleReaction(message, emoji));
  action('Reply', 'reply', () => setComposing({ kind: 'reply', seq: message.seq }));
  if (own) action('Edit', 'edit', () => setComposing({ kind: 'edit', seq: message.seq }));
  const room = client.room(message.roomId);
  // The sender, or the creator of a group room (PROTOCOL.md, "Changes to messages").
  if (own || (room?.kind === 'group' && room.createdBy === client.user?.userId))
    action('Delete', 'delete', () => client.deleteMessage(message.roomId, message.seq).catch(showError));
  return row;
}

function toggleReaction(message, emoji) {
  const mine = (message.reactions ?? []).some((reaction) => reaction.emoji === emoji && reaction.reactedByMe);
  client.react(message.roomId, message.seq, emoji, !mine).catch(showError);
}

/** Replying to or editing a message: the composer says which, and Escape or ✕ goes back to plain sending. */
function setComposing(next) {
  composing = next;
  $('composer-context').hidden = !next;
  if (!next) return;
  const target = viewOf(currentRoomId).messages.get(next.seq);
  const start = target?.content.slice(0, 60) ?? '';
  $('composer-context-text').textContent =
    next.kind === 'edit' ? `Editing: ${start}` : `Replying to ${target?.senderName ?? 'a message'}: ${start}`;
  if (next.kind === 'edit') $('composer-input').value = target?.content ?? '';
  $('composer-input').focus();
}

$('composer-context-cancel').addEventListener('click', () => {
  if (composing?.kind === 'edit') $('composer-input').value = '';
  setComposing(undefined);
});

/** Signed links by attachment reference, reused until shortly before they expire. */
const attachmentLinks = new Map();

async function linkTo(roomId, reference) {
  const known = attachmentLinks.get(reference);
  if (known && Date.parse(known.expiresAt) - Date.now() > 60_000) return known.url;
  const link = await client.getAttachmentUrl(roomId, reference);
  attachmentLinks.set(reference, link);
  return link.url;
}

/** An image shows inline, any other file as a link; both read through a link the backend signs for members. */
function attachmentOf(message) {
  const box = document.createElement('div');
  box.className = 'attachment';
  const reference = message.attachmentUrl;
  if (!reference.startsWith('attachment:')) {
    const link = Object.assign(document.createElement('a'), {
      href: reference,
      textContent: reference,
      rel: 'noopener',
    });
    link.target = '_blank';
    box.append(link);
    return box;
  }
  const name = decodeURIComponent(reference.split('/').pop());
  linkTo(message.roomId, reference).then((url) => {
    if (message.messageType === 'image') {
      box.append(Object.assign(document.createElement('img'), { src: url, alt: name }));
    } else {
      const link = Object.assign(document.createElement('a'), {
        href: url,
        textContent: `📄 ${name}`,
        rel: 'noopener',
      });
      link.target = '_blank';
      box.append(link);
    }
  }, showError);
  return box;
}

function isNearBottom() {
  const box = $('messages');
  return box.scrollHeight - box.scrollTop - box.clientHeight < 80;
}

async function loadOlder() {
  const roomId = currentRoomId;
  const view = viewOf(roomId);
  if (!view.hasOlder || view.loadingOlder) return;
  view.loadingOlder = true;
  const oldest = Math.min(...view.messages.keys());
  try {
    const { messages, hasMore } = await client.getHistory(roomId, { before: oldest, limit: HISTORY_PAGE });
    for (const message of messages) view.messages.set(message.seq, message);
    view.hasOlder = hasMore;
    if (roomId === currentRoomId) {
      // Keep the message the reader was looking at in place while older ones appear above it.
      const box = $('messages');
      const fromBottom = box.scrollHeight - box.scrollTop;
      renderMessages({ stickToBottom: false });
      box.scrollTop = box.scrollHeight - fromBottom;
    }
  } catch (error) {
    showError(error);
  } finally {
    view.loadingOlder = false;
  }
}

$('load-older').addEventListener('click', loadOlder);
$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop < 40) loadOlder();
});

function markRead(roomId) {
  const seqs = [...viewOf(roomId).messages.keys()];
  if (seqs.length === 0 || client.unreadCount(roomId) === 0) return;
  client.markRead(roomId, Math.max(...seqs)).catch(() => undefined);
}

// ---- Composer and typing ------------------------------------------------------------------------------------------

$('composer-input').addEventListener('input', () => {
  if (!currentRoomId) return;
  // The SDK sends `typing: true` at most every 3 s and `false` after 3 s without a keystroke.
  if ($('composer-input').value.trim()) client.typing.start(currentRoomId);
  else client.typing.stop(currentRoomId);
});

$('composer-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').requestSubmit();
  } else if (event.key === 'Escape' && composing) {
    $('composer-context-cancel').click();
  }
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const content = $('composer-input').value;
  if (!currentRoomId || !content.trim()) return;
  $('composer-input').value = '';
  const roomId = currentRoomId;
  const context = composing;
  setComposing(undefined);
  if (context?.kind === 'edit') {
    // The `messageChanged` event shows the edit. No message follows, so the typing indicator stops here.
    client.typing.stop(roomId);
    client.editMessage(roomId, context.seq, content).catch(showError);
    return;
  }
  // The SDK keeps the message in its outbox until stored, across reconnects; the `message` event shows it.
  client.sendMessage(roomId, content, context ? { replyTo: context.seq } : {}).catch(showError);
  if (roomId === currentRoomId) renderMessages({ stickToBottom: true });
});

// An attachment: createUpload, the PUT straight to the bucket, then a message carrying its reference.
$('attach-input').addEventListener('change', async () => {
  const file = $('attach-input').files?.[0];
  $('attach-input').value = '';
  if (!file || !currentRoomId) return;
  const roomId = currentRoomId;
  try {
    toast(`Uploading ${file.name}…`);
    const attachmentUrl = await client.uploadFile(roomId, file, { contentType: file.type, fileName: file.name });
    const messageType = file.type.startsWith('image/') ? 'image' : 'file';
    await client.sendMessage(roomId, file.name, { messageType, attachmentUrl });
  } catch (error) {
    showError(error);
  }
});

function renderTyping() {
  const names = client.typing.users(currentRoomId).map((user) => user.displayName);
  $('typing').textContent =
    names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : `${names.join(', ')} are typing…`;
}

// ---- Members and presence -----------------------------------------------------------------------------------------

function renderMembers() {
  const view = viewOf(currentRoomId);
  const online = new Set(client.presence.online(currentRoomId).map((user) => user.userId));
  const members = [...view.members.values()];
  // Someone online the member list has not caught up with yet still shows.
  for (const user of client.presence.online(currentRoomId)) if (!view.members.has(user.userId)) members.push(user);
  members.sort(
    (a, b) => Number(online.has(b.userId)) - Number(online.has(a.userId)) || a.displayName.localeCompare(b.displayName),
  );
  $('member-list').replaceChildren(
    ...members.map((member) => {
      const item = document.createElement('li');
      item.dataset.userId = member.userId;
      item.classList.toggle('online', online.has(member.userId));
      const dot = Object.assign(document.createElement('span'), { className: 'dot' });
      const name = document.createElement('span');
      name.textContent = member.userId === client.user?.userId ? `${member.displayName} (you)` : member.displayName;
      name.title = member.userId;
      item.append(dot, name);
      return item;
    }),
  );
}

// ---- Notices ------------------------------------------------------------------------------------------------------

let toastTimer;
function toast(text) {
  $('toast').textContent = text;
  $('toast').hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => ($('toast').hidden = true), 4000);
}

function showError(error) {
  toast(error?.code ? `${error.code}: ${error.message}` : String(error?.message ?? error));
}

// A reload in the same tab signs in again as the same user.
const saved = sessionStorage.getItem('chat-demo-user');
if (saved) {
  const { name, userId } = JSON.parse(saved);
  $('name-input').value = name;
  $('user-id-input').value = userId;
  join(name, userId);
}

// Back online, or back to the tab: retry a pending reconnect now rather than after its backoff.
window.addEventListener('online', () => client?.reconnectNow());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') client?.reconnectNow();
});
