// A little progressive enhancement; every page works without it.
// The estimated-age helper: shows the year of birth an estimated age implies.
(function () {
  "use strict";
  var age = document.getElementById("estimated_age");
  var out = document.getElementById("age-helper");
  var on = document.getElementById("age_estimated_on");
  if (!age || !out) { return; }
  function update() {
    var n = parseInt(age.value, 10);
    if (isNaN(n) || n < 0 || n > 110) { out.textContent = ""; return; }
    var base = on && on.value ? new Date(on.value + "T00:00:00") : new Date();
    if (isNaN(base.getTime())) { base = new Date(); }
    var year = base.getFullYear() - n;
    out.textContent = (out.getAttribute("data-born-about") || "") + " " + (year - 1) + "–" + year;
  }
  age.addEventListener("input", update);
  if (on) { on.addEventListener("input", update); }
  update();
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
