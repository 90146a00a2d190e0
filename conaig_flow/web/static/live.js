/* conaig-flow: a session page that follows the session without reloading. Every 1.2 s it asks
   /sesiones/{id}/en-vivo for the live parts (quorum, attendance, tallies, pending check-ins),
   with If-None-Match so an unchanged session costs a 304, and puts each part in its place.
   When what the page offers changes (a vote opened or closed, check-in opened), a member's
   page reloads itself unless the person is typing; the console shows a notice instead.
   Without JavaScript the pages work with reloads. Served from the app (CSP script-src 'self'). */
(function () {
  "use strict";
  var box = document.getElementById("en-vivo");
  if (!box || !window.fetch || !window.DOMParser) { return; }
  var url = box.getAttribute("data-url");
  var shape = box.getAttribute("data-forma");
  var reloads = box.getAttribute("data-recargar") === "si";
  var etag = null;
  var PERIOD = 1200;

  function typing() {
    var a = document.activeElement;
    if (!a || !a.tagName) { return false; }
    if (a.tagName === "TEXTAREA" || a.tagName === "SELECT") { return true; }
    return a.tagName === "INPUT" && a.type !== "radio" && a.type !== "checkbox" && a.type !== "submit";
  }

  function place(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var parts = doc.querySelectorAll("[data-parte]");
    for (var i = 0; i < parts.length; i++) {
      var target = document.getElementById("vivo-" + parts[i].getAttribute("data-parte"));
      if (target && !target.contains(document.activeElement)) {
        target.innerHTML = parts[i].innerHTML;
      }
    }
  }

  function changed(next) {
    if (!next || next === shape) { return; }
    if (reloads && !typing()) { window.location.reload(); return; }
    var notice = document.getElementById("aviso-cambios");
    if (notice) { notice.hidden = false; }
  }

  function tick() {
    var headers = { "Accept": "text/html" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        var next = r.headers.get("X-Forma");
        if (r.status === 200) {
          etag = r.headers.get("ETag");
          return r.text().then(function (t) { place(t); changed(next); });
        }
        changed(next);
      })
      .catch(function () { /* the next tick tries again */ })
      .then(function () { window.setTimeout(tick, PERIOD); });
  }
  window.setTimeout(tick, PERIOD);
}());
