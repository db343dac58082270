// Small progressive enhancements; pages work without them.
// IIN fields (data-iin-check) ask the API as the number is typed and show what it encodes.
(function () {
  function checkIin(input) {
    const hint = input.parentElement.querySelector(".iin-hint") || (function () {
      const el = document.createElement("div");
      el.className = "hint iin-hint";
      el.setAttribute("aria-live", "polite");
      input.insertAdjacentElement("afterend", el);
      return el;
    })();
    const value = input.value.trim();
    if (value.length < 12) { hint.textContent = ""; hint.className = "hint iin-hint"; return; }
    fetch("/api/v1/iin/" + encodeURIComponent(value), { credentials: "same-origin" })
      .then((r) => r.json())
      .then((data) => {
        if (data.valid) {
          hint.className = "hint iin-hint ok";
          hint.textContent = "✓ " + data.birth_date + " · " + (data.sex === "M" ? input.dataset.male : input.dataset.female);
        } else {
          hint.className = "hint iin-hint bad";
          hint.textContent = "✗ " + (data.message || data.error);
        }
      })
      .catch(() => {});
  }
  document.addEventListener("input", (e) => {
    if (e.target.matches && e.target.matches("input[data-iin-check]")) checkIin(e.target);
  });
})();
