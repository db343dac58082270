// The canteen scanner's service worker (served by qamqor.canteen.views.scanner.service_worker).
// It keeps the app shell and its files so that the scanner opens and works without internet;
// the scans themselves are in IndexedDB (js/store.js), never in this cache. API calls pass
// through untouched: the page decides what to do when they fail.
"use strict";

const VERSION = "{{ version }}";
const CACHE = "qamqor-scan-" + VERSION;
const PAGE = {{ page|safe }};
const ASSETS = {{ assets|safe }};
const ASSET_SET = new Set(ASSETS);
// A slow network must not keep the operator waiting for a page the cache holds.
const PAGE_TIMEOUT_MS = 4000;

async function cachePage(cache, response) {
  // Only the page itself: not a login page met through a redirect, not an error.
  if (response && response.ok && !response.redirected && response.type === "basic") {
    await cache.put(PAGE, response.clone());
  }
  return response;
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      try {
        await cachePage(cache, await fetch(PAGE, { credentials: "same-origin", cache: "no-store" }));
      } catch (error) {
        // Offline during an update: the page is cached at the next visit online.
      }
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("qamqor-scan-") && name !== CACHE) {
          // Copy the page over before the old cache goes, in case we are offline now.
          const old = await caches.open(name);
          const page = await old.match(PAGE);
          const cache = await caches.open(CACHE);
          if (page && !(await cache.match(PAGE))) await cache.put(PAGE, page);
          await caches.delete(name);
        }
      }
      await self.clients.claim();
    })(),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => { clearTimeout(timer); resolve(value); },
      (error) => { clearTimeout(timer); reject(error); },
    );
  });
}

async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    // The network first: a new version, or a login page when the session has ended.
    return await cachePage(cache, await withTimeout(fetch(request), PAGE_TIMEOUT_MS));
  } catch (error) {
    const cached = await cache.match(PAGE);
    if (cached) return cached;
    throw error;
  }
}

async function asset(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) {
    const cache = await caches.open(CACHE);
    await cache.put(request, response.clone());
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === PAGE) {
    event.respondWith(page(request));
  } else if (ASSET_SET.has(url.pathname)) {
    event.respondWith(asset(request));
  }
});
