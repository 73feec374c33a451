// Case detail: a small location map, and the filing form's conditions
// narrowed to the chosen category.
(function () {
  "use strict";
  var el = document.getElementById("casemap");
  if (el && window.L) {
    var ll = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
    var map = L.map(el, { scrollWheelZoom: false }).setView(ll, 17);
    if (el.dataset.basemap) {
      L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
    }
    L.circleMarker(ll, { radius: 9, color: "#b3261e", weight: 3, fillOpacity: 0.4 }).addTo(map);
    window.zhiliCaseMap = map;
  }
  document.querySelectorAll("form[data-action=file]").forEach(function (form) {
    var cat = form.querySelector("select.filecategory");
    var cond = form.querySelector("select.conditions");
    if (!cat || !cond) { return; }
    function sync() {
      Array.prototype.forEach.call(cond.options, function (o) {
        var show = !o.dataset.category || o.dataset.category === cat.value;
        o.hidden = !show;
        o.disabled = !show;
        if (!show && o.selected) { cond.value = ""; }
      });
    }
    cat.addEventListener("change", sync);
    sync();
  });
})();
