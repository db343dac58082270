// The dynamic meal QR (seed 004): a signed token lives 5 minutes, so the page fetches a new
// one before the shown one expires and counts down to its expiry. No inline script (CSP).
(function () {
  "use strict";
  const RETRY_MS = 10000;

  function fmt(seconds) {
    const s = Math.max(0, Math.ceil(seconds));
    return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }

  function setup(box) {
    const url = box.dataset.qrRefresh;
    const slot = box.querySelector(".qr-slot");
    const countdown = box.querySelector("[data-countdown]");
    const note = box.querySelector("[data-qr-note]");
    const noteText = note ? note.textContent : "";
    let expiresAt = 0; // local clock, ms: the server sends seconds left, not its own time
    let refreshAt = 0;
    let loading = false;
    let stopped = false;

    function read() {
      const frame = slot.querySelector(".qr-frame");
      if (!frame || frame.dataset.state !== "ok") {
        stopped = true; // the voucher is no longer active, or the link has ended
        box.classList.add("expired");
        if (countdown) countdown.parentElement.hidden = true;
        return;
      }
      const started = Date.now();
      expiresAt = started + Number(frame.dataset.ttl) * 1000;
      refreshAt = started + Number(frame.dataset.refreshIn) * 1000;
      box.classList.remove("expired");
      if (note) { note.textContent = noteText; note.classList.remove("bad"); }
    }

    function refresh() {
      if (loading || stopped) return;
      loading = true;
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "HX-Request": "true" } })
        .then((r) => {
          if (r.status === 404) { stopped = true; throw new Error("gone"); }
          if (!r.ok) throw new Error(String(r.status));
          return r.text();
        })
        .then((html) => {
          slot.innerHTML = html;
          read();
          box.dispatchEvent(new CustomEvent("qr:renewed", { bubbles: true }));
        })
        .catch(() => {
          refreshAt = Date.now() + RETRY_MS;
          if (note) { note.textContent = stopped ? box.dataset.expiredText : box.dataset.errorText; note.classList.add("bad"); }
          if (stopped) box.classList.add("expired");
        })
        .finally(() => { loading = false; });
    }

    function tick() {
      if (stopped) return;
      const now = Date.now();
      const left = (expiresAt - now) / 1000;
      if (countdown) countdown.textContent = fmt(left);
      if (left <= 0) {
        box.classList.add("expired");
        if (note) { note.textContent = box.dataset.expiredText; note.classList.add("bad"); }
      }
      if (now >= refreshAt) refresh();
    }

    const renew = box.querySelector("[data-qr-renew]");
    if (renew) renew.addEventListener("click", () => { refreshAt = 0; refresh(); });
    // A phone wakes from sleep with stale timers: check at once.
    document.addEventListener("visibilitychange", () => { if (!document.hidden) tick(); });
    window.addEventListener("online", () => { refreshAt = 0; tick(); });
    read();
    tick();
    setInterval(tick, 1000);
  }

  function copyButtons() {
    document.querySelectorAll("[data-copy]").forEach((button) => {
      button.addEventListener("click", () => {
        const input = document.querySelector("[data-share-url]");
        if (!input) return;
        input.select();
        const done = () => { button.textContent = button.dataset.copiedText; };
        if (navigator.clipboard) navigator.clipboard.writeText(input.value).then(done, () => {});
        else if (document.execCommand && document.execCommand("copy")) done();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-qr-refresh]").forEach(setup);
    copyButtons();
  });
})();
