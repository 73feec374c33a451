// Follow a running analysis: poll its status and open the results when done.
(function () {
  "use strict";
  var box = document.getElementById("progressbox");
  if (!box) { return; }
  var bar = document.getElementById("analysis-progress");
  var state = document.getElementById("analysis-state");
  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.value = s.progress;
        if (s.stage && s.status !== "queued") { state.textContent = s.stage; }
        if (s.finished) { window.location.href = s.url; return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
