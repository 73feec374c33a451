// The grid map: divisions and unit grids from Zhili's own GeoJSON endpoints.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 });
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var extent = JSON.parse(el.dataset.extent || "null");
  if (extent) {
    map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
  } else {
    map.setView([22.85, 112.85], 11);
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error(r.status + " " + url); }
      return r.json();
    });
  }
  var gridStyle = { color: "#2e7d32", weight: 1, fillOpacity: 0.04 };
  var selectedStyle = { color: "#ed8c00", weight: 3, fillOpacity: 0.25 };
  var selected = null;
  var grids = L.geoJSON(null, {
    style: gridStyle,
    onEachFeature: function (f, layer) {
      layer.on("click", function () { select(f.properties.code, layer); });
    }
  });
  var communities = L.geoJSON(null, { style: { color: "#1f5fa8", weight: 1.5, fill: false }, interactive: false });
  var streets = L.geoJSON(null, {
    style: { color: "#b3261e", weight: 3, fillOpacity: 0.03 },
    onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name + " " + f.properties.code, { sticky: true }); }
  });
  streets.addTo(map); communities.addTo(map); grids.addTo(map);
  get(el.dataset.divisions + "?level=street").then(function (d) { streets.addData(d); });
  get(el.dataset.divisions + "?level=community").then(function (d) { communities.addData(d); });
  get(el.dataset.grids).then(function (d) {
    grids.addData(d);
    el.dataset.loaded = String(d.features.length);
  });
  function text(id, value) { document.getElementById(id).textContent = value; }
  function select(code, layer) {
    if (selected) { selected.setStyle(gridStyle); }
    selected = layer; layer.setStyle(selectedStyle); layer.bringToFront();
    get(el.dataset.gridInfo.replace("CODE", code)).then(function (g) {
      document.getElementById("hint").hidden = true;
      document.getElementById("gridinfo").hidden = false;
      text("gi-code", g.code);
      text("gi-community", g.community.name + " " + g.community.code);
      text("gi-street", g.street.name + " " + g.street.code);
      text("gi-district", g.district.name + " " + g.district.code);
      text("gi-area", (g.area_m2 / 10000).toFixed(2) + " ha");
      text("gi-valid", g.valid_from + (g.valid_to ? " – " + g.valid_to : ""));
      text("gi-resp", g.responsibility_grid ? g.responsibility_grid.name + (g.responsibility_grid.inspector ? " · " + g.responsibility_grid.inspector : "") : "—");
    });
  }
  window.zhiliGridMap = map;
})();
