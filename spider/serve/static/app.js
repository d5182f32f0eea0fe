// Spider's web app: the little that needs a script. No framework, no build step.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var ja = document.documentElement.lang === "ja";
  // Ask before an outcome that takes a company off every list for good.
  document.querySelectorAll("button.do-not-call").forEach(function (b) {
    b.addEventListener("click", function (e) {
      var msg = ja ? "今後この会社には架電しません。よろしいですか？" : "Never call this company again?";
      if (!window.confirm(msg)) { e.preventDefault(); }
    });
  });
  // Any other button that asks first (a merge).
  document.querySelectorAll("button[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // The spider web: drag to pan; the wheel, two fingers or the +/- buttons zoom; a company
  // opens its page.
  var svg = document.querySelector(".web svg");
  if (!svg) { return; }
  var box = svg.viewBox.baseVal, pointers = {}, start = null, pinch = null;
  function point(x, y) {
    var r = svg.getBoundingClientRect();
    return { x: box.x + (x - r.left) * box.width / r.width,
             y: box.y + (y - r.top) * box.height / r.height };
  }
  function zoom(k, p) {
    box.x = p.x - (p.x - box.x) * k; box.y = p.y - (p.y - box.y) * k;
    box.width *= k; box.height *= k;
  }
  function middle() { return { x: box.x + box.width / 2, y: box.y + box.height / 2 }; }
  document.querySelectorAll("[data-zoom]").forEach(function (b) {
    b.addEventListener("click", function () {
      zoom(b.getAttribute("data-zoom") === "in" ? 1 / 1.4 : 1.4, middle());
    });
  });
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    zoom(e.deltaY > 0 ? 1.15 : 1 / 1.15, point(e.clientX, e.clientY));
  }, { passive: false });
  function spread() {
    var ids = Object.keys(pointers);
    if (ids.length < 2) { return null; }
    var a = pointers[ids[0]], b = pointers[ids[1]];
    return { d: Math.hypot(a.x - b.x, a.y - b.y) || 1, x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  }
  svg.addEventListener("pointerdown", function (e) {
    if (e.target.closest("a") && e.pointerType === "mouse") { return; }
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    svg.setPointerCapture(e.pointerId);
    pinch = spread();
    start = pinch ? null : { x: e.clientX, y: e.clientY, bx: box.x, by: box.y };
  });
  svg.addEventListener("pointermove", function (e) {
    if (!(e.pointerId in pointers)) { return; }
    pointers[e.pointerId] = { x: e.clientX, y: e.clientY };
    var now = spread();
    if (pinch && now) {
      zoom(pinch.d / now.d, point(now.x, now.y));
      pinch = now;
      return;
    }
    if (!start) { return; }
    var r = svg.getBoundingClientRect();
    box.x = start.bx - (e.clientX - start.x) * box.width / r.width;
    box.y = start.by - (e.clientY - start.y) * box.height / r.height;
  });
  function up(e) {
    delete pointers[e.pointerId];
    pinch = spread();
    start = null;
  }
  svg.addEventListener("pointerup", up);
  svg.addEventListener("pointercancel", up);
});
