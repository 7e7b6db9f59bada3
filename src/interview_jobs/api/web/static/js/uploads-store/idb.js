// Practice sessions not yet sent, kept in the browser's IndexedDB (recordings as Blobs) so that
// nothing recorded is lost to a failed upload, a closed tab or a reload. A record is removed only
// once its upload and its job creation have both succeeded, or when the user discards it.
//
// Record: {id, username, createdAt, thinkSeconds, questions: [{text, questionId?, minSeconds,
// maxSeconds}], takes: [{blob, mimeType, seconds} | null], sent: {fileId?, jobId?, idempotencyKey},
// perTake: [{fileId?, jobId?, idempotencyKey}] | null}.

const DB_NAME = "interview-jobs";
const DB_VERSION = 1;
const STORE = "practice-sessions";

let opening = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function open() {
  if (!globalThis.indexedDB) return Promise.reject(new Error("This browser has no IndexedDB."));
  if (!opening) {
    const req = indexedDB.open(DB_NAME, DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(STORE)) {
        db.createObjectStore(STORE, { keyPath: "id" }).createIndex("username", "username");
      }
    };
    opening = request(req).catch((error) => {
      opening = null;
      throw error;
    });
  }
  return opening;
}

async function run(mode, work) {
  const db = await open();
  const tx = db.transaction(STORE, mode);
  const result = work(tx.objectStore(STORE));
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error || new Error("The browser's storage refused the write."));
  });
  return result instanceof IDBRequest ? result.result : result;
}

export function saveSession(record) {
  return run("readwrite", (store) => store.put(record));
}

export function loadSession(id) {
  return run("readonly", (store) => store.get(id));
}

// The user's unsent sessions, newest first.
export async function unsentSessions(username) {
  const list = await run("readonly", (store) => store.index("username").getAll(username));
  return (list || []).sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
}

export function removeSession(id) {
  return run("readwrite", (store) => store.delete(id));
}
