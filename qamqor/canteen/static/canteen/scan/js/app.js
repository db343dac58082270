// The canteen scanner (seed 004: "if the business wallet has no internet, the data are
// stored and sent later"). Every scan is first written to IndexedDB with its own client
// UUID; online it goes straight to the redemption API and the server's answer is shown;
// offline (or when the request fails) the terminal decides itself (decide.js) and a served
// scan waits in the queue, which goes to the batch API when the network is back, on
// demand, and on a timer with exponential backoff. Sending twice changes nothing: the
// server answers a known client_id with its first answer.
import * as store from "./store.js";
import { AuthError, makeApi, NetworkError } from "./api.js";
import { dayOf, decide, mealKey } from "./decide.js";
import { makeCamera } from "./camera.js";
import { locale, reason, t } from "./i18n.js";

const config = JSON.parse(document.getElementById("scanner-config").textContent);
const api = makeApi(config);
const root = document.querySelector("[data-testid=scanner]");
const $ = (selector) => root.querySelector(selector);
const ui = {
  result: $("[data-testid=result]"),
  mark: $("[data-result-mark]"),
  title: $("[data-result-title]"),
  pupil: $("[data-result-pupil]"),
  reason: $("[data-result-reason]"),
  form: $("[data-scan-form]"),
  input: $("[data-testid=code-input]"),
  served: $("[data-served-count]"),
  queue: $("[data-queue-count]"),
  lastSync: $("[data-last-sync]"),
  net: $("[data-net-pill]"),
  rosterInfo: $("[data-roster-info]"),
  syncInfo: $("[data-sync-info]"),
  log: $("[data-scan-log]"),
  logBox: $("[data-log-box]"),
  school: $("[data-school-select]"),
  cameraBox: $("[data-camera]"),
  cameraButton: $("[data-camera-toggle]"),
  cameraLabel: $("[data-camera-label]"),
  syncNow: $("[data-sync-now]"),
};

const BATCH_SIZE = 1000; // per request; the API takes up to 5,000
const TICK_MS = 3000;
const BACKOFF_FIRST_MS = 5000;
const BACKOFF_MAX_MS = 5 * 60 * 1000;
const ROSTER_STALE_MS = 2 * 60 * 1000;
const KEYS_STALE_MS = 60 * 60 * 1000;
const LOG_LENGTH = 12;

const state = {
  terminal: null, // {token, name, user, school}
  keys: [],
  keysAt: 0,
  roster: null, // the server's roster + byVoucher (Map)
  day: "",
  served: new Set(), // mealKey()s that have had their meal on state.day
  failures: 0,
  nextTry: 0,
  lastSync: 0,
  reachable: true,
  authLost: false,
  syncing: null,
  shown: "", // the client_id of the scan on the screen
};

const school = () => (state.terminal ? state.terminal.school : config.schools[0].id);
const online = () => navigator.onLine && state.reachable;
const today = () => dayOf(Date.now(), config.timeZone);
const time = (ms) =>
  new Date(ms).toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit", timeZone: config.timeZone });

// --- the screen -----------------------------------------------------------------------------

function show(kind, title, pupil = "", why = "") {
  ui.result.className = `result ${kind}`;
  ui.result.dataset.state = kind;
  ui.mark.textContent = { served: "✓", refused: "✗", busy: "…", idle: "▣", warn: "!" }[kind] || "";
  ui.title.textContent = title;
  ui.pupil.textContent = pupil;
  ui.reason.textContent = why;
}

function pupilLine(scan) {
  if (scan.pupil) return scan.klass ? `${scan.pupil} · ${scan.klass}` : scan.pupil;
  return scan.voucher ? t("voucher", { n: scan.voucher }) : "";
}

// What a scan came to: the server's answer when there is one, else this terminal's.
function outcome(scan) {
  if (scan.server) return { status: scan.server.status, code: scan.server.code, message: scan.server.message };
  return { status: scan.local, code: scan.code };
}

function showScan(scan) {
  state.shown = scan.client_id;
  const { status, code, message } = outcome(scan);
  if (status === "served") {
    show("served", t("served"), pupilLine(scan), scan.state === "queued" ? t("queued") : "");
  } else if (status === "conflict") {
    show("refused", t("conflict"), pupilLine(scan), reason("already_served_today"));
  } else {
    show("refused", t("refused"), pupilLine(scan), reason(code, message));
  }
}

async function renderStats() {
  const scans = await store.scansOf(state.day);
  const served = scans.filter((s) => outcome(s).status === "served").length;
  const conflicts = scans.filter((s) => outcome(s).status === "conflict").length;
  ui.served.textContent = String(served);
  ui.queue.textContent = String(await store.queueLength());
  ui.lastSync.textContent = state.lastSync ? time(state.lastSync) : t("never");
  ui.syncInfo.textContent = conflicts ? t("conflicts", { n: conflicts }) : ui.syncInfo.dataset.note || "";
  const isOnline = online();
  root.dataset.net = isOnline ? "online" : "offline";
  ui.net.textContent = isOnline ? t("online") : t("offline");
  ui.net.classList.toggle("off", !isOnline);
  renderLog(scans);
}

function renderLog(scans) {
  const latest = scans.sort((a, b) => (a.scanned_at < b.scanned_at ? 1 : -1)).slice(0, LOG_LENGTH);
  ui.logBox.hidden = latest.length === 0;
  ui.log.replaceChildren(
    ...latest.map((scan) => {
      const { status, code, message } = outcome(scan);
      const li = document.createElement("li");
      li.className = status;
      li.dataset.testid = "scan-row";
      const line = document.createElement("div");
      line.textContent = `${time(Date.parse(scan.scanned_at))} ${status === "served" ? "✓" : "✗"} ${pupilLine(scan) || "—"}`;
      const note = document.createElement("div");
      note.className = "small muted";
      const where = { queued: t("queued_state"), sent: t("sent_state"), local: t("local_state") }[scan.state];
      const why = status === "served" ? "" : status === "conflict" ? t("conflict") : reason(code, message);
      note.textContent = why ? `${where} · ${why}` : where;
      li.append(line, note);
      return li;
    }),
  );
}

const dateText = (iso) =>
  // Numeric: not every browser's ICU data has Kazakh month names.
  new Date(`${iso}T12:00:00Z`).toLocaleDateString(locale, { day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC" });

function renderRoster() {
  const roster = state.roster;
  let text = t("roster_none");
  if (roster && roster.school === school()) {
    if (roster.date === state.day) {
      text = t("roster", { date: dateText(roster.date), n: roster.vouchers.length });
      if (!roster.meal_day) text += ` · ${t("no_meal_day")}`;
      if (!roster.operator_serves) text += ` · ${t("other_operator")}`;
    } else if (roster.date.slice(0, 7) === state.day.slice(0, 7)) {
      text = t("roster_old", { date: dateText(roster.date) });
    }
  }
  ui.rosterInfo.textContent = text;
}

// --- what the terminal knows ------------------------------------------------------------------

function withIndex(roster) {
  return roster ? { ...roster, byVoucher: new Map(roster.vouchers.map((v) => [v.voucher, v])) } : null;
}

// Meals already had today: this terminal's scans and, from the roster, every terminal's.
async function rebuildServed() {
  state.day = today();
  const served = new Set();
  if (state.roster && state.roster.school === school() && state.roster.date === state.day) {
    for (const v of state.roster.vouchers) if (v.served) served.add(mealKey(v.voucher, v.meal_type));
  }
  for (const scan of await store.scansOf(state.day)) {
    const { status, code } = outcome(scan);
    if (status === "served" || status === "conflict" || code === "already_served_today") {
      if (scan.voucher) served.add(mealKey(scan.voucher, scan.meal_type));
    }
  }
  state.served = served;
}

async function ensureTerminal() {
  const stale = state.terminal && state.terminal.user !== config.user;
  if (state.terminal && !stale && !state.authLost) return true;
  if (!navigator.onLine) return Boolean(state.terminal);
  // Another operator signed in on this device: the old token sends the old queue first.
  if (stale && (await store.queueLength()) > 0 && !state.authLost) return true;
  const name = (state.terminal && state.terminal.name) || `scanner-${crypto.randomUUID().slice(0, 4)}`;
  const issued = await api.issueTerminal(name);
  const keep = state.terminal && issued.schools.some((s) => s.id === state.terminal.school);
  state.terminal = {
    token: issued.token,
    name: issued.terminal,
    user: config.user,
    school: keep ? state.terminal.school : issued.schools[0].id,
  };
  state.authLost = false;
  await store.setMeta("terminal", state.terminal);
  return true;
}

async function refreshKeys() {
  state.keys = await api.keys(school());
  state.keysAt = Date.now();
  await store.setMeta("keys", { keys: state.keys, at: state.keysAt });
}

async function refreshRoster() {
  if (!state.terminal) return;
  const roster = await api.roster(state.terminal.token, school(), today());
  roster.at = Date.now();
  await store.setMeta("roster", roster);
  state.roster = withIndex(roster);
  await rebuildServed();
  renderRoster();
}

// Keys and roster, when online; a failure leaves what the terminal already has.
async function refresh() {
  if (!navigator.onLine) return;
  try {
    await ensureTerminal();
    await refreshKeys();
    await refreshRoster();
    await contact();
  } catch (error) {
    noteFailure(error);
  }
}

// A failed request: the token is gone (sign in again), or the server cannot be reached —
// then the next try waits 5 s, 10 s, 20 s … up to 5 minutes, with some jitter so that a
// school's terminals do not all come back at the same second.
function noteFailure(error) {
  if (error instanceof AuthError) {
    state.authLost = true;
    ui.syncInfo.dataset.note = t("relogin");
    return;
  }
  if (!(error instanceof NetworkError)) console.error(error);
  state.reachable = false;
  state.failures += 1;
  const wait = Math.min(BACKOFF_FIRST_MS * 2 ** (state.failures - 1), BACKOFF_MAX_MS);
  const jittered = Math.round(wait * (0.8 + Math.random() * 0.4));
  state.nextTry = Date.now() + jittered;
  ui.syncInfo.dataset.note = t("sync_failed", { s: Math.round(jittered / 1000) });
}

const due = () => navigator.onLine && Date.now() >= state.nextTry;

// --- scanning ---------------------------------------------------------------------------------

async function handleCode(text) {
  const atMs = Date.now();
  if (dayOf(atMs, config.timeZone) !== state.day) await rebuildServed();
  show("busy", t("checking"));
  const context = () => ({
    text, keys: state.keys, roster: state.roster, school: school(), day: state.day, atMs, served: state.served,
  });
  let decision = await decide(context());
  if (decision.code === "unknown_key" && online()) {
    // A key made or rotated since the morning: ask for the set again, once.
    try {
      await refreshKeys();
      decision = await decide(context());
    } catch (error) {
      noteFailure(error);
    }
  }
  const scan = {
    client_id: crypto.randomUUID(),
    token: text,
    terminal: state.terminal ? state.terminal.name : "",
    scanned_at: new Date(atMs).toISOString(),
    day: state.day,
    voucher: decision.voucher,
    meal_type: decision.mealType,
    pupil: decision.pupil,
    klass: decision.klass,
    local: decision.local,
    code: decision.code,
    // A meal given on this terminal's word waits to be sent; a refusal stays here.
    state: decision.local === "served" ? "queued" : "local",
    server: null,
  };
  await store.addScan(scan);
  // Straight to the server when it answered last time; after a failure the terminal decides
  // alone until the queue gets through again, rather than make every child wait a timeout.
  if (online() && state.terminal && !state.authLost) await sendOne(scan);
  if (outcome(scan).status !== "refused" || outcome(scan).code === "already_served_today") {
    if (scan.voucher) state.served.add(mealKey(scan.voucher, scan.meal_type));
  }
  showScan(scan);
  await renderStats();
  if (scan.state === "queued") schedule();
}

async function contact() {
  // The last time the server confirmed this terminal's data: a sent scan, queue or roster.
  [state.reachable, state.failures, state.nextTry] = [true, 0, 0];
  state.lastSync = Date.now();
  await store.setMeta("sync", { lastSync: state.lastSync });
}

async function sendOne(scan) {
  const body = { token: scan.token, client_id: scan.client_id, terminal: scan.terminal, scanned_at: scan.scanned_at };
  try {
    const { status, data } = await api.redeem(state.terminal.token, body);
    await contact();
    if (status === 201) {
      scan.server = { status: "served" };
    } else if (status === 422 && data && data.code) {
      scan.server = { status: "refused", code: data.code, message: data.message };
    } else {
      return; // not an answer about this scan: the queue sends it again later
    }
    if (data.pupil) {
      scan.pupil = data.pupil;
      scan.klass = data.class || "";
    }
    if (data.meal_type) scan.meal_type = data.meal_type;
    scan.state = "sent";
    await store.putScans([scan]);
  } catch (error) {
    noteFailure(error);
  }
}

// --- the queue --------------------------------------------------------------------------------

async function flush() {
  if (state.syncing) return state.syncing;
  const run = async () => {
    try {
      if (!(await ensureTerminal()) || !state.terminal) return;
      let sent = 0;
      const answeredNow = [];
      for (;;) {
        const batch = await store.queued(BATCH_SIZE);
        if (!batch.length) break;
        const results = await api.batch(
          state.terminal.token,
          batch.map((s) => ({ token: s.token, client_id: s.client_id, terminal: s.terminal, scanned_at: s.scanned_at })),
        );
        const byId = new Map(results.map((r) => [r.client_id, r]));
        const answered = [];
        for (const scan of batch) {
          const r = byId.get(scan.client_id);
          if (!r) continue;
          scan.server = { status: r.status, code: r.code || "", message: r.message || "" };
          if (r.pupil) {
            scan.pupil = r.pupil;
            scan.klass = r.class || "";
          }
          scan.state = "sent";
          answered.push(scan);
        }
        await store.putScans(answered);
        answeredNow.push(...answered);
        sent += answered.length;
        if (answered.length < batch.length) break; // the server skipped some: retry later
      }
      await contact();
      ui.syncInfo.dataset.note = sent ? t("synced", { n: sent }) : "";
      // The scan on the screen may have had its answer now (a conflict, say): show it.
      const shown = answeredNow.find((scan) => scan.client_id === state.shown);
      if (shown) showScan(shown);
      if (!state.roster || Date.now() - (state.roster.at || 0) > ROSTER_STALE_MS || sent) {
        await refreshRoster();
      }
      await rebuildServed();
    } catch (error) {
      noteFailure(error);
    }
  };
  // One sender per device, even with two tabs open (the server would cope, but why make it).
  const locked = navigator.locks ? () => navigator.locks.request("qamqor-scanner-sync", run) : run;
  state.syncing = locked().finally(async () => {
    state.syncing = null;
    await renderStats();
  });
  return state.syncing;
}

function schedule() {
  if (due()) flush();
}

async function tick() {
  if (today() !== state.day) {
    await rebuildServed();
    if (due()) await refresh();
    renderRoster();
  } else if (due() && Date.now() - state.keysAt > KEYS_STALE_MS) {
    await refresh();
  }
  if (due() && (await store.queueLength()) > 0) await flush();
  await renderStats();
}

// --- start ------------------------------------------------------------------------------------

function wireInput() {
  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Base45 is upper case: a hardware scanner typing with Caps Lock on is still read.
    const text = ui.input.value.toUpperCase();
    ui.input.value = "";
    ui.input.focus();
    if (text.trim()) submit(text);
  });
  ui.syncNow.addEventListener("click", async () => {
    state.failures = 0;
    state.nextTry = 0;
    state.reachable = true;
    if (navigator.onLine) await refresh();
    await flush();
  });
  if (ui.school) {
    ui.school.value = String(school());
    ui.school.addEventListener("change", async () => {
      state.terminal.school = Number(ui.school.value);
      await store.setMeta("terminal", state.terminal);
      state.roster = null;
      await refresh();
      await rebuildServed();
      renderRoster();
    });
  }
  const camera = makeCamera(root.querySelector("video"), (text) => submit(text));
  ui.cameraButton.addEventListener("click", async () => {
    if (camera.running) {
      camera.stop();
      ui.cameraBox.hidden = true;
      ui.cameraLabel.textContent = t("camera");
      return;
    }
    ui.cameraBox.hidden = false;
    try {
      await camera.start();
      ui.cameraLabel.textContent = t("camera_off");
      root.dataset.camera = "on";
    } catch (error) {
      ui.cameraBox.hidden = true;
      show("warn", t("no_camera"));
    }
  });
  window.addEventListener("online", () => {
    state.failures = 0;
    state.nextTry = 0;
    state.reachable = true;
    refresh().then(flush);
  });
  window.addEventListener("offline", () => renderStats());
}

let chain = Promise.resolve();
function submit(text) {
  // One scan at a time, in the order they came.
  chain = chain
    .then(() => handleCode(text))
    .catch((error) => {
      console.error(error);
      show("refused", t("refused"), "", t("invalid"));
    });
  return chain;
}

async function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  try {
    await navigator.serviceWorker.register(config.swUrl, { scope: config.scope });
    await navigator.serviceWorker.ready;
    root.dataset.sw = "ready";
  } catch (error) {
    console.error("service worker", error);
    root.dataset.sw = "failed";
  }
}

async function start() {
  show("busy", t("starting"));
  wireInput();
  await store.open();
  state.terminal = (await store.getMeta("terminal")) || null;
  const keys = await store.getMeta("keys");
  if (keys) [state.keys, state.keysAt] = [keys.keys, keys.at];
  state.roster = withIndex((await store.getMeta("roster")) || null);
  state.lastSync = ((await store.getMeta("sync")) || {}).lastSync || 0;
  if (state.terminal && !config.schools.some((s) => s.id === state.terminal.school)) {
    state.terminal.school = config.schools[0].id;
  }
  if (ui.school) ui.school.value = String(school());
  await refresh();
  await rebuildServed();
  await store.prune(state.day);
  renderRoster();
  await renderStats();
  if (!state.terminal && !state.keys.length) {
    show("warn", t("setup_offline"));
  } else {
    show("idle", t("ready"));
  }
  root.dataset.ready = "1";
  ui.input.focus();
  registerWorker();
  if ((await store.queueLength()) > 0) schedule();
  setInterval(() => tick().catch((error) => console.error(error)), TICK_MS);
}

start().catch((error) => {
  console.error(error);
  show("refused", t("refused"), "", String(error));
});
