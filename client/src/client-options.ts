import type { ConnectionOptions } from './connection.js';
import { heartbeatFor } from './heartbeat.js';
import type { ChatClientOptions, WebSocketConstructor } from './types.js';

/**
 * The connection's settings from the app's options, with the defaults filled in; throws a TypeError naming the
 * option when one cannot work (no WebSocket class, a URL that is not ws:// or wss://, no getToken function).
 */
export function connectionOptionsOf(options: ChatClientOptions): ConnectionOptions {
  const WebSocketClass = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!WebSocketClass)
    throw new TypeError('ChatClient: no global WebSocket here; pass options.WebSocket (e.g. from "ws")');
  if (typeof options.url !== 'string' || !/^wss?:\/\//.test(options.url)) {
    throw new TypeError('ChatClient: options.url must be a ws:// or wss:// URL');
  }
  if (typeof options.getToken !== 'function') throw new TypeError('ChatClient: options.getToken must be a function');
  const pingIntervalMs = options.pingIntervalMs ?? 270_000;
  const foregroundPingIntervalMs = options.foregroundPingIntervalMs ?? Math.min(60_000, pingIntervalMs);
  const heartbeatMs =
    options.declareHeartbeat === false ? undefined : heartbeatFor(pingIntervalMs, foregroundPingIntervalMs);
  return {
    url: options.url,
    getToken: options.getToken,
    WebSocket: WebSocketClass,
    pingIntervalMs,
    foregroundPingIntervalMs,
    ...(heartbeatMs !== undefined && { heartbeatMs }),
    maxConnectionMs: options.maxConnectionMs ?? 6_900_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 20_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
    reconnectDelay: options.reconnectDelay,
    foreground: options.foreground ?? true,
    watchMode: options.watchMode === true,
  };
}
