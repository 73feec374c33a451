// Map of open cases: clusters computed by the server for the visible box.
(function () {
  "use strict";
  var script = document.currentScript;
  var el = document.getElementById("map");
  var map = L.map(el, { preferCanvas: true });
  if (el.dataset.basemap) {
    L.tileLayer(el.dataset.basemap, { maxZoom: 19, attribution: el.dataset.attribution || "" }).addTo(map);
  }
  var extent = JSON.parse(el.dataset.extent || "null");
  if (extent) {
    map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
  } else {
    map.setView([22.85, 112.85], 11);
  }
  // Street outlines give the clusters a sense of place when no basemap is
  // configured (offline intranets often have none).
  if (el.dataset.streets) {
    fetch(el.dataset.streets, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; }).then(function (d) {
      if (d) { L.geoJSON(d, { style: { color: "#b3261e", weight: 1.5, fill: false }, interactive: false }).addTo(map).bringToBack(); }
    });
  }
  var layer = L.layerGroup().addTo(map);
  var status = document.getElementById("mapstatus");
  var seq = 0;
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; });
  }
  function draw(data) {
    layer.clearLayers();
    data.features.forEach(function (f) {
      var p = f.properties;
      var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
      var late = p.overdue > 0;
      if (p.count === 1) {
        var m = L.circleMarker(ll, { radius: 7, color: late ? "#c62828" : "#1f5fa8", weight: 2, fillOpacity: 0.6 });
        var html = '<a href="' + esc(p.url) + '">' + esc(p.number) + "</a>";
        if (p.category) { html += "<br>" + esc(p.category); }
        if (p.state) { html += "<br>" + esc(p.state); }
        m.bindPopup(html);
        m.addTo(layer);
        return;
      }
      var size = Math.round(20 + 10 * Math.log(p.count) / Math.LN10);
      var icon = L.divIcon({
        className: "casecluster" + (late ? " late" : ""),
        html: "<span>" + p.count + "</span>",
        iconSize: [size, size]
      });
      var marker = L.marker(ll, { icon: icon, title: p.count + (late ? " (" + p.overdue + ")" : "") });
      marker.on("click", function () { map.setView(ll, Math.min(map.getZoom() + 2, 19)); });
      marker.addTo(layer);
    });
    status.textContent = script.dataset.shown.replace("{n}", data.total);
    el.dataset.total = String(data.total);
    el.dataset.clustered = String(data.clustered);
  }
  function load() {
    var mine = ++seq;
    var b = map.getBounds();
    var url = el.dataset.url + "?bbox=" + [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(6); }).join(",") +
      "&zoom=" + Math.round(map.getZoom()) + (el.dataset.query ? "&" + el.dataset.query : "");
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      if (mine !== seq) { return; }  // a later move already asked again
      if (data.error) { status.textContent = data.error; return; }
      draw(data);
    });
  }
  map.on("moveend", load);
  load();
  window.zhiliCaseMap = map;
})();
