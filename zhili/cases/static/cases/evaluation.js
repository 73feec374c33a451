// The evaluation colour map: each region's polygon in the colour of its grade.
(function () {
  "use strict";
  var el = document.getElementById("evalmap");
  if (!el) { return; }
  var data = JSON.parse(el.dataset.map);
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 });
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  function style(feature) {
    var s = data.scores[feature.properties.code];
    if (!s || !s.grade) {
      return { color: "#888", weight: 1, fillColor: "#ccc", fillOpacity: 0.25 };
    }
    return { color: "#555", weight: 1, fillColor: data.colours[s.grade], fillOpacity: 0.7 };
  }
  function tip(feature) {
    var code = feature.properties.code;
    var s = data.scores[code];
    var name = (feature.properties.name || (s && s.label) || code);
    if (!s) { return name + " · " + el.dataset.noCases; }
    return name + " · " + el.dataset.score + " " + (s.score === null ? "—" : s.score.toFixed(2)) +
      " · " + el.dataset.grade + " " + (s.grade || "—") + (s.rank ? " · " + el.dataset.rank + " " + s.rank : "");
  }
  fetch(data.layer, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: style,
        onEachFeature: function (f, l) { l.bindTooltip(tip(f), { sticky: true }); }
      }).addTo(map);
      if (fc.features.length) { map.fitBounds(layer.getBounds()); } else { map.setView([22.85, 112.85], 11); }
      var coloured = fc.features.filter(function (f) { var s = data.scores[f.properties.code]; return s && s.grade; });
      el.dataset.loaded = String(coloured.length);
    })
    .catch(function () { el.dataset.loaded = "error"; });
  window.zhiliEvaluationMap = map;
})();
