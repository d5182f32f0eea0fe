// Spider's web app: the little that needs a script. No framework, no build step.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Ask before an outcome that takes a company off every list for good.
  document.querySelectorAll("button.do-not-call").forEach(function (b) {
    b.addEventListener("click", function (e) {
      var msg = document.documentElement.lang === "ja" ? "今後この会社には架電しません。よろしいですか？"
        : "Never call this company again?";
      if (!window.confirm(msg)) { e.preventDefault(); }
    });
  });
  // The spider web: drag to pan, wheel or pinch to zoom; a company opens its page.
  var svg = document.querySelector(".web svg");
  if (!svg) { return; }
  var box = svg.viewBox.baseVal, start = null;
  function point(e) {
    var r = svg.getBoundingClientRect();
    return { x: box.x + (e.clientX - r.left) * box.width / r.width,
             y: box.y + (e.clientY - r.top) * box.height / r.height };
  }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var p = point(e), k = e.deltaY > 0 ? 1.15 : 1 / 1.15;
    box.x = p.x - (p.x - box.x) * k; box.y = p.y - (p.y - box.y) * k;
    box.width *= k; box.height *= k;
  }, { passive: false });
  svg.addEventListener("pointerdown", function (e) {
    if (e.target.closest("a")) { return; }
    start = { x: e.clientX, y: e.clientY, bx: box.x, by: box.y };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", function (e) {
    if (!start) { return; }
    var r = svg.getBoundingClientRect();
    box.x = start.bx - (e.clientX - start.x) * box.width / r.width;
    box.y = start.by - (e.clientY - start.y) * box.height / r.height;
  });
  svg.addEventListener("pointerup", function () { start = null; });
});
