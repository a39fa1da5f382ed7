// The WeChat Pay QR page: ask the order's status every few seconds and show the paid (or
// failed) state as soon as the server knows it, without reloading the page.
(function () {
  "use strict";
  var box = document.querySelector("[data-status-url]");
  if (!box) return;
  var url = box.getAttribute("data-status-url");
  var delay = 2000;
  var tries = 0;

  function show(name) {
    ["waiting", "paid", "failed"].forEach(function (part) {
      var el = box.querySelector("[data-pay-" + part + "]");
      if (el) el.hidden = part !== name;
    });
  }

  function poll() {
    tries += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data) box.setAttribute("data-status", data.status);
        if (data && data.paid) return show("paid");
        if (data && (data.status === "failed" || data.status === "cancelled")) return show("failed");
        // Slower after a minute: the code stays valid for two hours.
        window.setTimeout(poll, tries > 30 ? 10000 : delay);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  window.setTimeout(poll, delay);
})();
