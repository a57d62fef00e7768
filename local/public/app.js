// The demo chat page. Everything it does goes through the SDK (vendor/chat-client.js, built by `npm run build`);
// the only other request is GET /dev/token, the local stack's stand-in for signing in with Cognito.
import { ChatClient, LIMITS } from './vendor/chat-client.js';

const HISTORY_PAGE = 30;
const $ = (id) => document.getElementById(id);

/** @type {ChatClient | undefined} */
let client;
let currentRoomId;
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
  item.className = `message${own ? ' own' : ''}${pending ? ' pending' : ''}`;
  if (!pending) item.dataset.seq = String(message.seq);
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
  const content = document.createElement('div');
  content.className = 'content';
  // textContent, never innerHTML: content arrives byte for byte, markup included.
  content.textContent = message.content;
  item.append(meta, content);
  if (!pending && message.attachmentUrl) item.append(attachmentOf(message));
  return item;
}

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
  }
});

$('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const content = $('composer-input').value;
  if (!currentRoomId || !content.trim()) return;
  $('composer-input').value = '';
  const roomId = currentRoomId;
  // The SDK keeps the message in its outbox until stored, across reconnects; the `message` event shows it.
  client.sendMessage(roomId, content).catch(showError);
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
