// Keeps the event page's totals current from /api/v1/events/:id/live
// (server-sent events). Values are set as text, never as HTML.
(function () {
  "use strict";
  var root = document.querySelector("[data-live]");
  if (!root || !window.EventSource) return;
  var source = new EventSource(root.getAttribute("data-live"));
  function set(name, value) {
    var el = document.querySelector('[data-field="' + name + '"]');
    if (el) el.textContent = String(value);
  }
  source.addEventListener("summary", function (e) {
    var s = JSON.parse(e.data);
    set("total", s.total);
    ["positive", "neutral", "negative", "unscored"].forEach(function (l) {
      set(l, s.by_label[l]);
    });
    set("net", (s.net >= 0 ? "+" : "") + s.net.toFixed(2));
    root.setAttribute("data-updated", new Date().toISOString());
  });
})();
