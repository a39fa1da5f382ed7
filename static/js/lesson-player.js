// The lesson player: the browser's own <video>/<audio> with a speed choice, resume from the
// last position (the server's for enrolled learners, this browser's otherwise), and the
// position saved every few seconds, on pause and when the page is hidden. The server
// counts the stretches really played and completes the lesson at its watched share.
(function () {
  "use strict";
  var box = document.querySelector("[data-player]");
  if (!box) return;
  var media = box.querySelector("video, audio");
  var speed = box.querySelector("[data-speed]");
  var status = box.querySelector("[data-player-status]");
  var saveUrl = box.getAttribute("data-save-url") || "";
  var csrf = box.getAttribute("data-csrf") || "";
  var key = "zq-lesson-position-" + box.getAttribute("data-lesson");
  var rateKey = "zq-playback-rate";
  var SAVE_EVERY_MS = 5000;

  function stored(name) {
    try { return window.localStorage.getItem(name); } catch (e) { return null; }
  }
  function store(name, value) {
    try { window.localStorage.setItem(name, String(value)); } catch (e) { /* private mode */ }
  }

  var start = parseFloat(box.getAttribute("data-position") || "0") || 0;
  if (!saveUrl) start = parseFloat(stored(key) || "0") || 0;
  var rate = parseFloat(stored(rateKey) || "1") || 1;

  function restore() {
    media.playbackRate = rate;
    // Near the end, start again rather than land on the last frame.
    if (start > 0 && (!isFinite(media.duration) || start < media.duration - 1)) {
      media.currentTime = start;
    }
  }
  if (media.readyState >= 1) restore(); else media.addEventListener("loadedmetadata", restore, { once: true });

  if (speed) {
    speed.value = String(rate);
    if (!speed.value) speed.value = "1";
    speed.addEventListener("change", function () {
      rate = parseFloat(speed.value) || 1;
      media.playbackRate = rate;
      store(rateKey, rate);
    });
  }

  // Nothing is sent for a page that was never played (closing it saves nothing); "play"
  // always sends, so the server counts what is played from there.
  var lastSent = start;
  function save(force) {
    var position = media.currentTime || 0;
    store(key, position.toFixed(3));
    if (!saveUrl || (force !== true && Math.abs(position - lastSent) < 0.5)) return;
    lastSent = position;
    var duration = isFinite(media.duration) ? media.duration : null;
    fetch(saveUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: true,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json" },
      body: JSON.stringify({ position: position, duration: duration })
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && data.completed && status) {
        status.textContent = box.getAttribute("data-completed-text") || "✓";
        box.setAttribute("data-completed", "true");
      }
    }).catch(function () { /* offline: the next save catches up */ });
  }

  window.setInterval(function () { if (!media.paused) save(); }, SAVE_EVERY_MS);
  media.addEventListener("play", function () { save(true); });
  media.addEventListener("pause", save);
  media.addEventListener("ended", save);
  media.addEventListener("seeked", function () { store(key, (media.currentTime || 0).toFixed(3)); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") save();
  });
})();
