// Progressive enhancement only: every page works without this file.
// On a phone, panels marked data-fold-on-phone (the catalog filters) start folded so the
// results are on the first screen; on wider screens they stay open.
(function () {
  if (!window.matchMedia || !window.matchMedia("(max-width: 900px)").matches) return;
  document.querySelectorAll("details[data-fold-on-phone]").forEach(function (panel) {
    if (!panel.hasAttribute("data-keep-open")) panel.removeAttribute("open");
  });
})();

// A table wider than a phone scrolls inside its own box (site.css); keyboard users must be
// able to reach and scroll it too, so such a table takes the focus.
(function () {
  function focusable() {
    document.querySelectorAll(".portal-table, .commerce-table, .sessions, .table-scroll").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-focus", "");
      } else if (!scrolls && box.hasAttribute("data-scroll-focus")) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-focus");
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusable);
  else focusable();
  window.addEventListener("resize", focusable);
})();
