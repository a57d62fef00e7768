// The local stack's own HTTP endpoints beside the gateway: health, dev tokens, the issuer's public keys, the events
// put on the local EventBridge, and the demo page's static files.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEV_TOKEN_DEFAULT_TTL_S, DEV_TOKEN_MAX_TTL_S, type DevTokenIssuer } from './dev-token-issuer.js';
import { sendJson } from './http-util.js';
import type { LocalSns } from './sns/local-sns.js';

export const DEFAULT_PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** Where the dev issuer's JWKS is served, below the issuer URL as OpenID providers (and Cognito) serve theirs. */
export const JWKS_PATH = '/.well-known/jwks.json';

export interface HttpRoutesOptions {
  issuer: DevTokenIssuer;
  /** The path part of the issuer URL, e.g. `/local-issuer`. */
  issuerPath: string;
  publicDir?: string;
  /** True once the gateway accepts connections. */
  isReady(): boolean;
  /** The SNS emulation: GET /dev/push lists what it would have sent, POST /dev/push/disable disables a token. */
  push?: Pick<LocalSns, 'pushes' | 'disableToken'>;
  /** What was put on the local EventBridge, oldest first (GET /dev/events). */
  events?: () => unknown[];
}

/** Token subjects follow the protocol's id rule (1 to 128 characters, no control characters). */
const SUB_MAX_LENGTH = 128;
/** Longer than any display name the protocol stores, so clients can see how over-long token names are handled. */
const NAME_MAX_LENGTH = 256;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

// Keyed by the extension of a path the client chose: a Map, so no name can reach an inherited property.
const CONTENT_TYPES = new Map(
  Object.entries({
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json; charset=utf-8',
    '.map': 'application/json; charset=utf-8',
    '.svg': 'image/svg+xml',
    '.png': 'image/png',
    '.jpg': 'image/jpeg',
    '.jpeg': 'image/jpeg',
    '.gif': 'image/gif',
    '.webp': 'image/webp',
    '.ico': 'image/x-icon',
    '.txt': 'text/plain; charset=utf-8',
    '.woff2': 'font/woff2',
  }),
);

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Local chat stack</title></head>
<body><h1>Local chat stack</h1>
<p>The WebSocket gateway is running; the demo page (local/public/index.html) is not there.</p>
<p>Get a token from <code>/dev/token?sub=alice&amp;name=Alice</code> and connect to <code>/?token=&lt;token&gt;</code>.</p>
</body></html>
`;

export type RouteHandler = (request: IncomingMessage, response: ServerResponse, url: URL) => Promise<boolean>;

/** Answers the request when one of these routes matches; false otherwise. */
export function createHttpRoutes(options: HttpRoutesOptions): RouteHandler {
  const publicDir = resolve(options.publicDir ?? DEFAULT_PUBLIC_DIR);
  const jwksPath = `${options.issuerPath}${JWKS_PATH}`;

  return async (request, response, url) => {
    const method = request.method === 'HEAD' ? 'GET' : request.method;
    if (url.pathname === '/healthz') {
      if (method !== 'GET') return methodNotAllowed(response);
      const ready = options.isReady();
      sendJson(response, ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable' });
      return true;
    }
    if (url.pathname === '/dev/token') {
      if (method !== 'GET') return methodNotAllowed(response);
      devToken(options.issuer, url.searchParams, response);
      return true;
    }
    if (options.push && url.pathname === '/dev/push') {
      if (method !== 'GET') return methodNotAllowed(response);
      // ?userId= and ?token= narrow the list (for the demo page, and tests that share a stack).
      const userId = url.searchParams.get('userId');
      const token = url.searchParams.get('token');
      const pushes = options.push
        .pushes()
        .filter((push) => (userId === null || push.userId === userId) && (token === null || push.token === token));
      sendJson(response, 200, { pushes });
      return true;
    }
    if (options.push && url.pathname === '/dev/push/disable') {
      if (request.method !== 'POST') return methodNotAllowed(response, 'POST');
      const token = url.searchParams.get('token');
      if (!token) {
        badParameter(response, 'token', 'required: the device token whose endpoints the platform now refuses');
        return true;
      }
      sendJson(response, 200, { disabled: options.push.disableToken(token) });
      return true;
    }
    if (url.pathname === '/dev/events' && options.events) {
      if (method !== 'GET') return methodNotAllowed(response);
      sendJson(response, 200, { events: options.events() });
      return true;
    }
    if (url.pathname === jwksPath) {
      if (method !== 'GET') return methodNotAllowed(response);
      sendJson(response, 200, options.issuer.jwks);
      return true;
    }
    if (method !== 'GET') return false;
    return serveStatic(publicDir, url.pathname, response);
  };
}

function devToken(issuer: DevTokenIssuer, params: URLSearchParams, response: ServerResponse): void {
  const sub = params.get('sub');
  if (sub === null || sub === '' || sub.length > SUB_MAX_LENGTH || CONTROL_CHARACTERS.test(sub)) {
    return badParameter(response, 'sub', `required: 1 to ${SUB_MAX_LENGTH} characters without control characters`);
  }
  // An empty name (a blank form field) means no name claim: the user then shows under their sub.
  const name = params.get('name') || undefined;
  if (name !== undefined && (name.length > NAME_MAX_LENGTH || CONTROL_CHARACTERS.test(name))) {
    return badParameter(response, 'name', `at most ${NAME_MAX_LENGTH} characters without control characters`);
  }
  const ttlText = params.get('ttl');
  let ttlS = DEV_TOKEN_DEFAULT_TTL_S;
  if (ttlText !== null) {
    ttlS = Number(ttlText);
    if (!/^\d+$/.test(ttlText) || ttlS < 1 || ttlS > DEV_TOKEN_MAX_TTL_S) {
      return badParameter(response, 'ttl', `a whole number of seconds from 1 to ${DEV_TOKEN_MAX_TTL_S}`);
    }
  }
  sendJson(response, 200, issuer.mint({ sub, ...(name !== undefined && { name }), ttlS }));
}

function badParameter(response: ServerResponse, parameter: string, rule: string): void {
  sendJson(response, 400, { error: 'BAD_REQUEST', parameter, message: `${parameter}: ${rule}` });
}

function methodNotAllowed(response: ServerResponse, allow = 'GET, HEAD'): true {
  response.writeHead(405, { Allow: allow }).end();
  return true;
}

async function serveStatic(publicDir: string, pathname: string, response: ServerResponse): Promise<boolean> {
  let relative: string;
  try {
    relative = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  if (relative.includes('\0')) return false;
  let file = resolve(publicDir, `.${relative}`);
  // Nothing outside the public folder, whatever dots or encoded slashes the path holds.
  if (file !== publicDir && !file.startsWith(publicDir + sep)) return false;
  try {
    if ((await stat(file)).isDirectory()) file = resolve(file, 'index.html');
    const body = await readFile(file);
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES.get(extname(file).toLowerCase()) ?? 'application/octet-stream',
      'Content-Length': body.length,
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    response.end(body);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw error;
    if (pathname === '/' || pathname === '/index.html') {
      response.writeHead(200, { 'Content-Type': CONTENT_TYPES.get('.html')!, 'Cache-Control': 'no-cache' });
      response.end(PLACEHOLDER_PAGE);
      return true;
    }
    return false;
  }
}
