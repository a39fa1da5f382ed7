/*
 * The admin's language tabs (modeltranslation's tabbed_translation_fields.js) need only
 * jQuery UI's tabs widget. modeltranslation loads jQuery UI from a CDN by default; this
 * small stand-in (settings.JQUERY_UI_URL points here) implements the part it uses, so the
 * tabs work offline and no third-party script runs in the admin:
 *   $(el).tabs({active: n}); $(el).tabs("option", "active", n); the "tabsactivate" event.
 */
(function ($) {
  "use strict";
  if (!$ || $.fn.tabs) {
    return;
  }

  function items($container) {
    return $container.children("ul").first().children("li");
  }

  function activate($container, index) {
    var $items = items($container);
    if (!(index >= 0 && index < $items.length)) {
      index = 0;
    }
    var previous = $container.data("zqActiveTab");
    $items.each(function (i) {
      var $item = $(this);
      var active = i === index;
      $item.toggleClass("ui-tabs-active ui-state-active", active);
      $item.attr("aria-selected", active ? "true" : "false");
      var target = ($item.children("a").attr("href") || "").replace(/^#/, "");
      var panel = target ? document.getElementById(target) : null;
      if (panel) {
        $(panel).addClass("ui-tabs-panel").toggleClass("ui-tabs-hide", !active);
      }
    });
    $container.data("zqActiveTab", index);
    if (previous !== undefined && previous !== index) {
      $container.trigger("tabsactivate", [{ newTab: $items.eq(index), oldTab: $items.eq(previous) }]);
    }
  }

  $.fn.tabs = function (options, name, value) {
    if (options === "option") {
      if (name !== "active") {
        return this;
      }
      if (value === undefined) {
        return this.first().data("zqActiveTab");
      }
      return this.each(function () {
        activate($(this), parseInt(value, 10) || 0);
      });
    }
    var settings = $.extend({ active: 0 }, options);
    return this.each(function () {
      var $container = $(this).addClass("ui-tabs ui-widget");
      $container.children("ul").first().addClass("ui-tabs-nav ui-helper-reset ui-helper-clearfix").attr("role", "tablist");
      items($container).each(function (i) {
        var $item = $(this).addClass("ui-state-default").attr("role", "tab");
        $item.children("a").on("click", function (event) {
          event.preventDefault();
          activate($container, i);
        });
      });
      activate($container, settings.active);
    });
  };
})(window.jQuery || (window.django && window.django.jQuery));
