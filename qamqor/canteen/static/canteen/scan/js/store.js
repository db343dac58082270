// The scanner's memory on the device (IndexedDB): it outlives a closed tab, a reload and a
// browser crash. Two stores:
//   meta   key → value: "terminal" {token, name, user, school}, "keys" {keys, at},
//          "roster" {school, date, meal_day, operator_serves, vouchers, at}, "sync" {...}
//   scans  one row per scan, keyed by its client_id (a UUID made before anything else):
//          {client_id, token, terminal, scanned_at, day, voucher, meal_type, pupil, klass,
//           local: "served"|"refused", code, state: "queued"|"sent"|"local", server}
//          "queued" rows are the queue; "sent" rows carry the server's answer; "local" rows
//          were refused on this device and are never sent (no meal was given).
// Scan writes ask for strict durability: the row is on disk before the screen says green.

const DB_NAME = "qamqor-scanner";
const DB_VERSION = 1;
// Scans are kept a little longer than the server accepts them (7 days).
const KEEP_DAYS = 8;

let dbPromise = null;

function request(req) {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = tx.onerror = () => reject(tx.error || new Error("transaction aborted"));
  });
}

export function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, DB_VERSION);
      req.onupgradeneeded = () => {
        const db = req.result;
        if (!db.objectStoreNames.contains("meta")) db.createObjectStore("meta");
        if (!db.objectStoreNames.contains("scans")) {
          const scans = db.createObjectStore("scans", { keyPath: "client_id" });
          scans.createIndex("state", "state");
          scans.createIndex("day", "day");
        }
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error("the scanner's database is blocked by another tab"));
    });
  }
  return dbPromise;
}

async function tx(stores, mode, durability) {
  const db = await open();
  return db.transaction(stores, mode, durability ? { durability } : undefined);
}

export async function getMeta(key) {
  const t = await tx("meta", "readonly");
  return request(t.objectStore("meta").get(key));
}

export async function setMeta(key, value) {
  const t = await tx("meta", "readwrite", "strict");
  t.objectStore("meta").put(value, key);
  await done(t);
}

export async function addScan(scan) {
  const t = await tx("scans", "readwrite", "strict");
  t.objectStore("scans").add(scan);
  await done(t);
}

export async function putScans(scans) {
  if (!scans.length) return;
  const t = await tx("scans", "readwrite", "strict");
  const store = t.objectStore("scans");
  for (const scan of scans) store.put(scan);
  await done(t);
}

export async function queued(limit) {
  const t = await tx("scans", "readonly");
  return request(t.objectStore("scans").index("state").getAll("queued", limit));
}

export async function queueLength() {
  const t = await tx("scans", "readonly");
  return request(t.objectStore("scans").index("state").count("queued"));
}

export async function scansOf(day) {
  const t = await tx("scans", "readonly");
  return request(t.objectStore("scans").index("day").getAll(day));
}

// Forget what the server has had for more than KEEP_DAYS; the queue is never dropped.
export async function prune(today) {
  const limit = new Date(`${today}T00:00:00Z`);
  limit.setUTCDate(limit.getUTCDate() - KEEP_DAYS);
  const before = limit.toISOString().slice(0, 10);
  const t = await tx("scans", "readwrite");
  const index = t.objectStore("scans").index("day");
  await new Promise((resolve, reject) => {
    const cursor = index.openCursor(IDBKeyRange.upperBound(before, true));
    cursor.onsuccess = () => {
      const c = cursor.result;
      if (!c) return resolve();
      if (c.value.state !== "queued") c.delete();
      c.continue();
    };
    cursor.onerror = () => reject(cursor.error);
  });
  await done(t);
}
