// Requests to the server. A request that cannot complete (no network, a timeout, a server
// error) throws NetworkError: the caller keeps the scan in the queue and tries later. The
// redemption API takes the terminal token (Bearer); only issuing that token uses the
// session, with Django's CSRF header.

export class NetworkError extends Error {}

export class AuthError extends Error {}

const SINGLE_TIMEOUT_MS = 5000;
const BATCH_TIMEOUT_MS = 60000;
const READ_TIMEOUT_MS = 15000;

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

async function call(url, { method = "GET", body, token, csrf, timeout = READ_TIMEOUT_MS } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  if (csrf) headers["X-CSRFToken"] = csrf;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeout);
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: token ? "omit" : "same-origin",
      cache: "no-store",
      signal: controller.signal,
    });
  } catch (error) {
    throw new NetworkError(String(error));
  } finally {
    clearTimeout(timer);
  }
  // 401: no valid token or session; 404 with a token: it is no longer a canteen terminal's.
  if (response.status === 401 || (token && response.status === 404)) {
    throw new AuthError(`HTTP ${response.status}`);
  }
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    throw new NetworkError(`HTTP ${response.status}`);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    throw new NetworkError("not JSON");
  }
  return { status: response.status, data };
}

export function makeApi(config) {
  const api = config.api;
  return {
    async issueTerminal(name) {
      const { status, data } = await call(api.terminals, {
        method: "POST",
        body: { terminal: name },
        csrf: cookie(config.csrfCookie),
      });
      if (status !== 201) throw new AuthError(data && data.code);
      return data;
    },
    async keys(school) {
      const { status, data } = await call(`${api.keys}?school=${encodeURIComponent(school)}`);
      if (status !== 200) throw new NetworkError(`keys: HTTP ${status}`);
      return data.keys;
    },
    async roster(token, school, day) {
      const query = `school=${encodeURIComponent(school)}&date=${encodeURIComponent(day)}`;
      const { status, data } = await call(`${api.roster}?${query}`, { token });
      if (status !== 200) throw new NetworkError(`roster: HTTP ${status}`);
      return data;
    },
    // One scan: {status: 201, data: served} or {status: 422, data: {code, message, ...}}.
    async redeem(token, scan) {
      return call(api.redeem, { method: "POST", body: scan, token, timeout: SINGLE_TIMEOUT_MS });
    },
    // The queue: [{client_id, status, code?, message?, pupil?, class?}] in order.
    async batch(token, scans) {
      const { status, data } = await call(api.batch, {
        method: "POST",
        body: { scans },
        token,
        timeout: BATCH_TIMEOUT_MS,
      });
      if (status !== 200 || !data || !Array.isArray(data.results)) {
        throw new NetworkError(`batch: HTTP ${status}`);
      }
      return data.results;
    },
  };
}
