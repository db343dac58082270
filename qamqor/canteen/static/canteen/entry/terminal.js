// The Face-ID entry terminal: a JPEG from the camera about every 500 ms, posted to the
// server, which answers who entered. One frame in flight at a time: a slow answer delays
// the next frame rather than piling requests up. No inline script (CSP script-src 'self').
(function () {
  "use strict";
  var INTERVAL_MS = 500;
  var WIDTH = 640;
  var root = document.getElementById("terminal");
  if (!root) return;
  var video = document.getElementById("camera");
  var canvas = document.getElementById("frame");
  var result = document.getElementById("result");
  var log = document.getElementById("log");
  var nameInput = document.getElementById("terminal-name");
  var startButton = document.getElementById("start");
  var stopButton = document.getElementById("stop");
  var stream = null;
  var running = false;
  var lastShown = {};

  nameInput.value = localStorage.getItem("qamqor.entry.terminal") || "";
  nameInput.addEventListener("change", function () {
    localStorage.setItem("qamqor.entry.terminal", nameInput.value.trim());
  });

  function show(kind, text) {
    result.className = "terminal-result " + kind;
    result.textContent = text;
  }

  function remember(face) {
    // The log lists each child once per minute, not once per frame.
    var key = face.pupil + "|" + face["class"];
    var now = Date.now();
    if (lastShown[key] && now - lastShown[key] < 60000) return;
    lastShown[key] = now;
    var item = document.createElement("li");
    item.textContent = new Date().toLocaleTimeString() + " · " + face.pupil + " · " + face["class"];
    log.insertBefore(item, log.firstChild);
    while (log.children.length > 30) log.removeChild(log.lastChild);
  }

  function answer(body) {
    var faces = body.faces || [];
    var known = faces.filter(function (f) { return f.status === "entered" || f.status === "already"; });
    if (known.length) {
      known.forEach(remember);
      var first = known[0];
      var label = first.status === "entered" ? root.dataset.msgEntered : root.dataset.msgAlready;
      show(first.status, label + ": " + known.map(function (f) { return f.pupil + " (" + f["class"] + ")"; }).join(", "));
    } else if (faces.length) {
      show(faces[0].status === "no_face" ? "idle" : faces[0].status, faces[0].message || "");
    }
  }

  function capture() {
    var ratio = video.videoHeight / video.videoWidth || 0.75;
    canvas.width = WIDTH;
    canvas.height = Math.round(WIDTH * ratio);
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); });
  }

  function send(blob) {
    var url = root.dataset.frameUrl + "&terminal=" + encodeURIComponent(nameInput.value.trim());
    return fetch(url, {
      method: "POST",
      body: blob,
      credentials: "same-origin",
      headers: { "Content-Type": "image/jpeg", "X-CSRFToken": root.dataset.csrf },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) { show("error", body.message || response.statusText); return; }
        answer(body);
      });
    });
  }

  function loop() {
    if (!running) return;
    var started = Date.now();
    var next = function () { setTimeout(loop, Math.max(0, INTERVAL_MS - (Date.now() - started))); };
    if (!video.videoWidth) { next(); return; }
    capture().then(function (blob) { return blob ? send(blob) : null; })
      .catch(function () { show("error", root.dataset.msgOffline); })
      .then(next);
  }

  startButton.addEventListener("click", function () {
    if (running) return;
    navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480, facingMode: "user" }, audio: false })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        running = true;
        startButton.disabled = true;
        stopButton.disabled = false;
        loop();
      })
      .catch(function () { show("error", root.dataset.msgCamera); });
  });

  stopButton.addEventListener("click", function () {
    running = false;
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    startButton.disabled = false;
    stopButton.disabled = true;
  });
})();
