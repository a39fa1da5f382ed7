// Progressive enhancement only: every page works without this file.
// On a phone, panels marked data-fold-on-phone (the catalog filters) start folded so the
// results are on the first screen; on wider screens they stay open.
(function () {
  if (!window.matchMedia || !window.matchMedia("(max-width: 900px)").matches) return;
  document.querySelectorAll("details[data-fold-on-phone]").forEach(function (panel) {
    if (!panel.hasAttribute("data-keep-open")) panel.removeAttribute("open");
  });
})();
