// Chorus dashboard: enhancements over pages that are complete without it.
// - live: the headline numbers follow /api/v1/events/:id/live (server-sent
//   events) at once, and the page's regions are fetched again (at most once
//   a second) and swapped in, so charts, quotes and health follow too;
// - a quote card's "Copy quote" copies its text with the attribution;
// - a desk editor corrects a label (PATCH, with the write token kept in
//   sessionStorage for this tab only and sent as a bearer token).
// Every value from the server is set as text or comes in HTML the server
// escaped; nothing here builds HTML from data.
(function () {
  "use strict";
  var TOKEN_KEY = "chorus-token";
  var LABELS = ["positive", "neutral", "negative", "unscored"];

  function enhance(root) {
    root.querySelectorAll(".js-only, .tools").forEach(function (el) { el.hidden = false; });
  }
  enhance(document);

  function eventID() {
    var m = location.pathname.match(/^\/events\/([^/]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function setStatus(scope, text, isError) {
    var el = scope.querySelector(".status");
    if (!el) return;
    el.textContent = text;
    el.classList.toggle("error", !!isError);
  }

  // --- live ---
  var pending = false, busy = false, last = 0, timer = null;
  function schedule() {
    pending = true;
    if (timer) return;
    timer = setTimeout(function () { timer = null; refresh(); }, Math.max(0, last + 1000 - Date.now()));
  }
  function refresh() {
    if (busy || !pending) return;
    busy = true; pending = false; last = Date.now();
    fetch(location.href, { headers: { "Accept": "text/html" }, cache: "no-cache", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll("[data-region]").forEach(function (fresh) {
          var cur = document.querySelector('[data-region="' + fresh.getAttribute("data-region") + '"]');
          if (!cur) return;
          var active = document.activeElement;
          if (active && active !== document.body && cur.contains(active)) { pending = true; return; } // never pull the ground from under a keyboard user
          var open = Array.prototype.map.call(cur.querySelectorAll("details"), function (d) { return d.open; });
          fresh.querySelectorAll("details").forEach(function (d, i) { if (open[i]) d.open = true; });
          var node = document.adoptNode(fresh);
          enhance(node);
          cur.replaceWith(node);
        });
        var stamp = doc.querySelector("[data-live] time"), mine = document.querySelector("[data-live] time");
        if (stamp && mine) { mine.textContent = stamp.textContent; mine.setAttribute("datetime", stamp.getAttribute("datetime")); }
      })
      .catch(function () { pending = true; })
      .finally(function () { busy = false; if (pending) schedule(); });
  }

  function setField(name, value) {
    document.querySelectorAll('[data-field="' + name + '"]').forEach(function (el) { el.textContent = String(value); });
  }

  var live = document.querySelector("[data-live]");
  function setNote(text) {
    var note = live && live.querySelector(".live-note");
    if (note) note.textContent = text;
  }
  if (live && window.EventSource) {
    var source = new EventSource(live.getAttribute("data-live"));
    var first = true;
    source.addEventListener("summary", function (e) {
      var s = JSON.parse(e.data);
      setField("total", s.total);
      LABELS.forEach(function (l) { setField(l, s.by_label[l]); });
      var scored = s.by_label.positive + s.by_label.neutral + s.by_label.negative;
      ["positive", "neutral", "negative"].forEach(function (l) {
        setField("share-" + l, scored ? Math.round(100 * s.by_label[l] / scored) + "%" : "–");
      });
      setField("net", (s.net >= 0 ? "+" : "") + s.net.toFixed(2));
      Object.keys(s.by_platform || {}).forEach(function (p) { setField(p + "-total", s.by_platform[p].total); });
      live.setAttribute("data-updated", new Date().toISOString());
      if (live.getAttribute("data-state")) {
        live.removeAttribute("data-state");
        setNote(" Live: they update by themselves.");
      }
      if (!first) schedule();
      first = false;
    });
    source.addEventListener("error", function () {
      live.setAttribute("data-state", "reconnecting");
      setNote(" Connection lost: reconnecting…");
    });
  }

  // --- copy a quote ---
  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyByCommand(text); });
    }
    return copyByCommand(text);
  }
  function copyByCommand(text) {
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "visually-hidden";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
      document.body.removeChild(ta);
      if (ok) { resolve(); } else { reject(new Error("copy refused")); }
    });
  }

  // --- correct a label ---
  function correct(card) {
    var select = card.querySelector("select[name=label]");
    var label = select.value;
    if (!label) { setStatus(card, "Pick a label first.", true); return; }
    var headers = { "Content-Type": "application/json" };
    var token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    var url = "/api/v1/events/" + encodeURIComponent(eventID()) + "/posts/" +
      encodeURIComponent(card.getAttribute("data-platform")) + "/" + encodeURIComponent(card.getAttribute("data-id"));
    setStatus(card, "Saving…");
    fetch(url, { method: "PATCH", headers: headers, body: JSON.stringify({ label: label, note: "corrected on the dashboard" }), credentials: "same-origin" })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; }); })
      .then(function (res) {
        if (res.status === 200) {
          card.setAttribute("data-label", label);
          setStatus(card, "Corrected to " + label + ".");
          pending = true; schedule();
        } else if (res.status === 401) {
          setStatus(card, "This server needs the write token: enter it under Desk editor.", true);
        } else {
          setStatus(card, (res.body && res.body.error) || ("HTTP " + res.status), true);
        }
      })
      .catch(function (err) { setStatus(card, "Not saved: " + err.message, true); });
  }

  document.addEventListener("click", function (e) {
    var card = e.target.closest && e.target.closest("li.post");
    if (!card) return;
    if (e.target.closest("button.copy")) {
      var text = "“" + card.querySelector("blockquote").textContent + "” " + card.querySelector(".cite").getAttribute("data-attribution");
      copy(text).then(function () { setStatus(card, "Quote copied."); }, function () { setStatus(card, "Copy failed: select the text instead.", true); });
    } else if (e.target.closest("button.save")) {
      correct(card);
    }
  });

  // --- the write token ---
  document.querySelectorAll("form.token").forEach(function (form) {
    var input = form.querySelector("input[name=token]");
    if (sessionStorage.getItem(TOKEN_KEY)) setStatus(form, "A token is set for this tab.");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var v = input.value.trim();
      if (v) { sessionStorage.setItem(TOKEN_KEY, v); setStatus(form, "Token kept for this tab."); } else { setStatus(form, "Enter a token first.", true); }
      input.value = "";
    });
    form.querySelector("button.forget").addEventListener("click", function () {
      sessionStorage.removeItem(TOKEN_KEY);
      input.value = "";
      setStatus(form, "Token forgotten.");
    });
  });
})();
