// The HTTP client: base URLs from /config.json, the session (guest or user tokens) kept in
// localStorage, quiet token refresh, and one error type built from the API's error envelope.

import * as paths from "./endpoints.js";

const SESSION_KEY = "chatbot.session";
const REFRESH_MARGIN_SECONDS = 30;

export class ApiError extends Error {
  constructor(status, body, headers) {
    const envelope = body && typeof body === "object" ? body : {};
    super(envelope.message || defaultMessage(status));
    this.status = status;
    this.code = envelope.code || status;
    this.errors = envelope.errors || {};
    this.isEnvelope = typeof envelope.message === "string";
    const retryAfter = headers ? Number(headers.get("Retry-After")) : NaN;
    this.retryAfter = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null;
  }
}

function defaultMessage(status) {
  if (status === 0) return "Cannot reach the server. Check your connection and try again.";
  if (status >= 500) return "The server had a problem. Please try again.";
  return `The request failed (${status}).`;
}

export const config = {
  apiUrl: "",
  voiceUrl: "",
  providers: {},
  limits: { message_chars: 4000, prompt_chars: 8000, name_chars: 100, audio_bytes: 26214400 },
  accounts: {}, // the sign-up rules the API checks (empty: its 422 says which one failed)
  starterAgent: null, // {name} of the public agent a new visitor starts with
};

export async function loadConfig() {
  try {
    const response = await fetch(paths.uiConfig(), { headers: { Accept: "application/json" } });
    if (!response.ok) return config;
    const data = await response.json();
    config.apiUrl = (data.api_url || "").replace(/\/$/, "");
    config.voiceUrl = (data.voice_url || "").replace(/\/$/, "");
    config.providers = data.providers || {};
    Object.assign(config.limits, data.limits || {});
    config.accounts = data.accounts || {};
    config.starterAgent = data.starter_agent || null;
  } catch {
    // Served without the API (e.g. a plain file server): same-origin defaults still work.
  }
  return config;
}

function readSession() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY) || "null");
    return session && session.access_token ? session : null;
  } catch {
    return null;
  }
}

let session = readSession();
const sessionListeners = new Set();

export function currentSession() {
  return session;
}

export function onSessionChange(listener) {
  sessionListeners.add(listener);
}

function saveSession(next) {
  session = next;
  if (next) localStorage.setItem(SESSION_KEY, JSON.stringify(next));
  else localStorage.removeItem(SESSION_KEY);
  sessionListeners.forEach((listener) => listener(next));
}

function tokenExpiry(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(payload)).exp || 0;
  } catch {
    return 0;
  }
}

function expiresSoon(token) {
  return tokenExpiry(token) - REFRESH_MARGIN_SECONDS < Date.now() / 1000;
}

async function rawFetch(url, options) {
  try {
    return await fetch(url, options);
  } catch (error) {
    const failure = new ApiError(0, null, null);
    failure.cause = error;
    failure.network = true;
    throw failure;
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return new ApiError(response.status, body, response.headers);
}

export async function startGuestSession() {
  const before = session;
  const response = await rawFetch(`${config.apiUrl}${paths.authGuest()}`, {
    method: "POST",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw await errorFrom(response);
  const tokens = await response.json();
  if (session !== before) return session; // signed in (or refreshed) meanwhile: keep that one
  saveSession({ ...tokens, kind: "guest" });
  return session;
}

export async function ensureSession() {
  if (session) return session;
  return startGuestSession();
}

let refreshing = null;

/**
 * Get a new access token with the refresh token; one refresh at a time across this origin's
 * tabs. Refresh tokens rotate (a used one sent again ends the login), so each refresh first
 * takes what another tab may have stored meanwhile, and saves the next refresh token.
 */
export async function refreshAccess() {
  if (!refreshing) {
    const stale = session;
    const run = () => refreshOnce(stale);
    const locked = navigator.locks ? navigator.locks.request("agent-chatbot-refresh", run) : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function refreshOnce(stale) {
  const current = readSession();
  if (!current || !current.refresh_token) return false;
  if (stale && current.refresh_token !== stale.refresh_token) {
    saveSession(current); // another tab refreshed this login already
    return true;
  }
  try {
    const response = await rawFetch(`${config.apiUrl}${paths.authRefresh()}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${current.refresh_token}`, Accept: "application/json" },
    });
    if (!response.ok) return false;
    const data = await response.json();
    const latest = readSession();
    if (!latest || latest.refresh_token !== current.refresh_token) return false; // logged out meanwhile
    const next = { ...current, access_token: data.access_token };
    if (data.refresh_token) next.refresh_token = data.refresh_token;
    saveSession(next);
    return true;
  } catch {
    return false;
  }
}

/** The session could not be refreshed: a guest starts afresh, a user is told to log in again. */
async function sessionLost(lost) {
  if (session !== lost) return; // a newer session (a sign-in, a refresh) is already in place
  const wasUser = session && session.kind === "user";
  await startGuestSession();
  if (wasUser) sessionListeners.forEach((listener) => listener(session, "expired"));
}

/**
 * Send a request with the access token; on a 401 refresh once and replay.
 * Returns the Response when ok; throws ApiError otherwise.
 */
export async function send(path, { method = "GET", json, body, headers = {}, base } = {}) {
  await ensureSession();
  if (expiresSoon(session.access_token)) await refreshAccess();
  const url = `${base === undefined ? config.apiUrl : base}${path}`;
  const build = () => {
    const all = { Accept: "application/json", ...headers, Authorization: `Bearer ${session.access_token}` };
    if (json !== undefined) all["Content-Type"] = "application/json";
    return { method, headers: all, body: json !== undefined ? JSON.stringify(json) : body };
  };
  const used = session;
  let response = await rawFetch(url, build());
  if (response.status === 401) {
    // Refused with the session it was sent with; one that replaced it meanwhile (a sign-in
    // whose claim ended the guest's tokens) is simply used for the replay.
    if (session === used && !(await refreshAccess())) await sessionLost(used);
    response = await rawFetch(url, build());
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

/** Like send(), returning the parsed JSON body (or null for 204). */
export async function api(path, options) {
  const response = await send(path, options);
  if (response.status === 204) return null;
  return response.json();
}

/** A guest's own bearer (fresh) on sign-up and login: the server moves its chats to the account. */
async function guestBearer() {
  if (!session || session.kind !== "guest") return {};
  if (expiresSoon(session.access_token)) await refreshAccess();
  return { Authorization: `Bearer ${session.access_token}` };
}

/** Log in; resolves to how many guest chats the account kept (plus `kept` from a sign-up). */
export async function login(username, password, kept = 0) {
  const response = await rawFetch(`${config.apiUrl}${paths.authLogin()}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...(await guestBearer()) },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await errorFrom(response);
  const tokens = await response.json();
  saveSession({ ...tokens, kind: "user" });
  return kept + (tokens.claimed_chats || 0);
}

export async function register(username, password) {
  const response = await rawFetch(`${config.apiUrl}${paths.authRegister()}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...(await guestBearer()) },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw await errorFrom(response);
  const user = await response.json();
  return login(username, password, user.claimed_chats || 0);
}

/** Revoke both tokens (best effort), then continue as a fresh guest. */
export async function logout() {
  const current = session;
  // One token revokes its whole login (the refresh token and the access tokens it minted), so
  // the second is presented only when the first was refused (e.g. expired): presenting both
  // made the second answer 401, an error in the console on every logout.
  const tokens = current ? [current.refresh_token, current.access_token].filter(Boolean) : [];
  for (const token of tokens) {
    try {
      const response = await rawFetch(`${config.apiUrl}${paths.authLogout()}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      });
      if (response.ok) break;
    } catch {
      break; // offline: the tokens are forgotten locally anyway
    }
  }
  saveSession(null);
  return startGuestSession();
}

/** The voice service cannot stream this (not running, or an old one): use the API instead. */
export function streamUnavailable(error) {
  return error.network || [404, 405, 501].includes(error.status) || (error.status >= 500 && !error.isEnvelope);
}

export function pagination(response) {
  try {
    return JSON.parse(response.headers.get("X-Pagination") || "{}");
  } catch {
    return {};
  }
}
