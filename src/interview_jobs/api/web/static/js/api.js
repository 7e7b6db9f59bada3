// The page's only way to the API: fetch/XHR with the bearer token, errors as ApiError carrying the
// API's own `message`, an XHR upload with progress, and SSE read through fetch().
import { SSEParser } from "./sse.js";
import { saveBlob } from "./util.js";

// The token lives in sessionStorage: it survives a reload of this tab but not the tab itself, is
// not shared with other tabs, and is gone when the browser closes. Tokens expire after an hour
// anyway, and a token left in localStorage on a shared computer would outlive the person's visit.
const TOKEN_KEY = "interviewJobs.token";
const USER_KEY = "interviewJobs.username";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get username() {
    return sessionStorage.getItem(USER_KEY) || "";
  },
  save(token, username) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, username);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

export const TERMINAL = new Set(["COMPLETED", "FAILED", "CANCELLED"]);

export class ApiError extends Error {
  constructor(status, code, message, details = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const FALLBACK_MESSAGES = {
  400: "The request could not be read by the server.",
  401: "You are not logged in, or your session has expired. Log in again.",
  403: "You are not allowed to do that.",
  404: "Not found. It may have been deleted.",
  409: "That is not possible in the item's current state.",
  413: "The file is too large for the server.",
  415: "That file is not a supported video (MP4, MOV, WebM or MKV).",
  422: "Some of the values are not valid.",
  429: "Too many attempts. Wait a moment and try again.",
  502: "The server is unreachable right now. Try again shortly.",
  503: "The service is temporarily unavailable. Try again shortly.",
};

export const NETWORK_MESSAGE = "The server cannot be reached. Check your connection and try again.";

// Turn an error response (status + body text) into an ApiError with the API's message.
export function errorFrom(status, text, retryAfter = null) {
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  let message =
    (body && typeof body.message === "string" && body.message) ||
    FALLBACK_MESSAGES[status] ||
    `The server answered with an error (HTTP ${status}).`;
  if (status === 429 && retryAfter) message += ` (try again in ${retryAfter} s)`;
  const code = (body && body.error) || `HTTP${status}`;
  return new ApiError(status, code, message, body ? body.details : null);
}

let unauthorizedHandler = () => {};
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

function authHeaders(auth) {
  const headers = {};
  if (auth && session.token) headers.Authorization = `Bearer ${session.token}`;
  return headers;
}

// fetch() with the token; throws ApiError (the API's message) for any non-2xx answer.
export async function api(path, { method = "GET", json, headers = {}, signal, auth = true } = {}) {
  const init = { method, signal, headers: { Accept: "application/json", ...authHeaders(auth), ...headers } };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, "NetworkError", NETWORK_MESSAGE);
  }
  if (!response.ok) {
    const error = errorFrom(response.status, await response.text(), response.headers.get("Retry-After"));
    if (response.status === 401 && auth) unauthorizedHandler(error);
    throw error;
  }
  return response;
}

export async function apiJSON(path, options) {
  const response = await api(path, options);
  if (response.status === 204) return null;
  return response.json();
}

// The URL of the next page from a `Link: <…>; rel="next"` header, or null.
export function nextLink(response) {
  const header = response.headers.get("Link");
  if (!header) return null;
  for (const part of header.split(",")) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part);
    if (match) return match[1];
  }
  return null;
}

// POST /api/files with upload progress (fetch() cannot report upload progress; XHR can).
export function uploadFile(file, { onProgress = () => {}, signal } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/api/files");
    xhr.setRequestHeader("Accept", "application/json");
    if (session.token) xhr.setRequestHeader("Authorization", `Bearer ${session.token}`);
    xhr.upload.addEventListener("progress", (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText));
        } catch {
          reject(new ApiError(xhr.status, "BadResponse", "The server's answer could not be read."));
        }
        return;
      }
      const error = errorFrom(xhr.status, xhr.responseText, xhr.getResponseHeader("Retry-After"));
      if (xhr.status === 401) unauthorizedHandler(error);
      reject(error);
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "NetworkError", NETWORK_MESSAGE)));
    xhr.addEventListener("abort", () => reject(new DOMException("The upload was cancelled.", "AbortError")));
    if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    if (signal) signal.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
  });

// Follow a job's Server-Sent Events until a terminal status, the job is deleted, or `signal`
// aborts. Reconnects (after the server's `retry`) when the stream drops; API errors (404 gone,
// 401 logged out) end it by throwing.
export async function followJobEvents(jobId, { onStatus, onDeleted = () => {}, signal }) {
  let delay = 2000;
  let lastEventId = "";
  while (!signal || !signal.aborted) {
    const parser = new SSEParser();
    try {
      // A reconnect names the last event seen: the server sends only what is newer (204: the
      // job had ended and its last event was seen).
      const headers = { Accept: "text/event-stream" };
      if (lastEventId) headers["Last-Event-ID"] = lastEventId;
      const response = await api(`/api/interview/job/${encodeURIComponent(jobId)}/events`, {
        headers,
        signal,
      });
      if (response.status === 204) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const event of parser.feed(value)) {
          if (event.event === "deleted") {
            onDeleted();
            return;
          }
          if (event.event !== "status") continue;
          let state;
          try {
            state = JSON.parse(event.data);
          } catch {
            continue;
          }
          lastEventId = event.id;
          onStatus(state);
          if (TERMINAL.has(state.status)) return;
        }
      }
      delay = parser.retry || 2000;
    } catch (error) {
      if (error.name === "AbortError") return;
      if (error instanceof ApiError && error.status !== 0 && error.status < 500 && error.status !== 429) throw error;
      delay = Math.min(Math.max(delay, 2000) * 2, 30000);
    }
    await sleep(delay, signal);
  }
}

// POST /api/interview/analyze. A retry that must not make a second job sends the first try's key.
export function createAnalysis(body, idempotencyKey = newIdempotencyKey()) {
  return apiJSON("/api/interview/analyze", {
    method: "POST",
    json: body,
    headers: { "Idempotency-Key": idempotencyKey },
  });
}

export function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A file the API makes for the user (an export, a report page): fetched with the token, then
// offered as a download under the name the API gives (Content-Disposition) or `fallback`.
export async function downloadFile(path, fallback) {
  const response = await api(path, { headers: { Accept: "*/*" } });
  const disposition = response.headers.get("Content-Disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  saveBlob(await response.blob(), match ? match[1] : fallback);
}
