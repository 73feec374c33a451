// The service-circle map: facilities, the area within reach, covered and
// uncovered residents, recommended sites; what-ifs by clicking the map.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var t = el.dataset;
  var map = L.map(el, { preferCanvas: true, zoomSnap: 0.5 });
  if (t.basemap) {
    L.tileLayer(t.basemap, { maxZoom: 19, attribution: t.attribution || "" }).addTo(map);
  }
  var extent = JSON.parse(t.extent || "null");
  if (extent) {
    map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]);
  } else {
    map.setView([22.85, 112.85], 11);
  }
  function esc(s) {
    return String(s === null || s === undefined ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  var communities = L.geoJSON(null, { style: { color: "#5f6b7a", weight: 1, fill: false, dashArray: "3 3" }, interactive: false });
  communities.addTo(map);
  if (t.divisions) {
    fetch(t.divisions, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (d) { if (d) { communities.addData(d); } }).catch(function () {});
  }
  var reach = L.geoJSON(null, { style: { color: "#1f5fa8", weight: 1, fillColor: "#64a0dc", fillOpacity: 0.18 }, interactive: false });
  var isoAll = {};
  var isoShown = L.geoJSON(null, { style: { color: "#ed8c00", weight: 2, fillOpacity: 0.08 }, interactive: false });
  var covered = L.layerGroup();
  var uncovered = L.layerGroup();
  var facilities = L.layerGroup();
  var recommended = L.layerGroup();
  var hotspots = L.layerGroup();
  [reach, isoShown, covered, uncovered, hotspots, facilities, recommended].forEach(function (l) { l.addTo(map); });
  var overlays = {};
  overlays[t.tLayerReach] = reach;
  overlays[t.tLayerIso] = isoShown;
  overlays[t.tLayerCov] = covered;
  overlays[t.tLayerUnc] = uncovered;
  overlays[t.tLayerHot] = hotspots;
  overlays[t.tLayerFac] = facilities;
  overlays[t.tLayerRec] = recommended;
  L.control.layers(null, overlays, { collapsed: true }).addTo(map);

  // What-if state: null, {op: "add"} or {op: "move", code: ...}.
  var pending = null;
  var whatifState = document.getElementById("whatif-state");
  function say(msg) { if (whatifState) { whatifState.textContent = msg; } }
  function send(change) {
    var form = document.getElementById("whatif-form");
    var body = new FormData(form);
    Object.keys(change).forEach(function (k) { body.set(k, change[k]); });
    say(t.tSent);
    fetch(t.whatif, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
      .then(function (res) {
        if (res[0]) { window.location.href = res[1].url; return; }
        var errs = res[1].errors || {};
        say(Object.keys(errs).map(function (k) { return errs[k].map(function (e) { return e.message; }).join(" "); }).join(" "));
      })
      .catch(function (e) { say(String(e)); });
  }
  map.on("click", function (ev) {
    if (!pending) { return; }
    var change = { op: pending.op, lon: ev.latlng.lng.toFixed(7), lat: ev.latlng.lat.toFixed(7) };
    if (pending.code) { change.code = pending.code; }
    pending = null;
    document.body.classList.remove("whatif-active");
    send(change);
  });
  var addButton = document.getElementById("whatif-add");
  if (addButton) {
    addButton.addEventListener("click", function () {
      pending = { op: "add" };
      document.body.classList.add("whatif-active");
      say(t.tPickadd);
    });
  }
  window.zhiliWhatIf = function (op, code) {
    map.closePopup();
    if (op === "close") { send({ op: "close", code: code }); return; }
    pending = { op: "move", code: code };
    document.body.classList.add("whatif-active");
    say(t.tPickmove);
  };

  function facilityPopup(f) {
    var html = "<strong>" + esc(f.name) + "</strong><br><span class='code'>" + esc(f.code) + "</span> · " + esc(f.kind_label || f.kind) +
      "<br>" + esc(f.served) + " " + esc(t.tServed) + " · " + esc(f.reach) + " " + esc(t.tReach);
    if (f.ratio_per_1000 !== null) { html += "<br>" + esc(f.ratio_per_1000) + " " + esc(t.tRatio); }
    if (t.whatif) {
      html += "<br><button type='button' class='wi-close' data-code='" + esc(f.code) + "'>" + esc(t.tClose) + "</button>" +
        "<button type='button' class='wi-move' data-code='" + esc(f.code) + "'>" + esc(t.tMove) + "</button>";
    }
    return html;
  }
  map.on("popupopen", function (ev) {
    var node = ev.popup.getElement();
    node.querySelectorAll(".wi-close").forEach(function (b) { b.addEventListener("click", function () { window.zhiliWhatIf("close", b.dataset.code); }); });
    node.querySelectorAll(".wi-move").forEach(function (b) { b.addEventListener("click", function () { window.zhiliWhatIf("move", b.dataset.code); }); });
  });

  fetch(t.layers, { credentials: "same-origin" }).then(function (r) {
    if (!r.ok) { throw new Error(r.status + " " + t.layers); }
    return r.json();
  }).then(function (d) {
    reach.addData(d.reach);
    d.isochrones.features.forEach(function (f) { isoAll[f.properties.code] = f; });
    var maxw = 1;
    d.points.features.forEach(function (p) { if (p.properties.w > maxw) { maxw = p.properties.w; } });
    d.points.features.forEach(function (p) {
      var c = p.geometry.coordinates;
      var pr = p.properties;
      var m = L.circleMarker([c[1], c[0]], {
        radius: 2 + 6 * Math.sqrt(pr.w / maxw), stroke: false, fillOpacity: 0.7,
        fillColor: pr.c ? "#2e7d32" : "#c62828"
      });
      m.bindTooltip(pr.w + " " + t.tResidents + " · " + (pr.c ? (t.tCovered + " " + pr.m + " " + t.tMinutes) : t.tUncovered));
      m.addTo(pr.c ? covered : uncovered);
    });
    (d.hotspots || []).forEach(function (h) {
      L.circle([h.lat, h.lon], { radius: 180, color: "#c62828", weight: 2, dashArray: "4 4", fill: false })
        .bindTooltip(t.tHotspot + ": " + h.uncovered + " " + t.tResidents).addTo(hotspots);
    });
    d.facilities.forEach(function (f) {
      var m = L.circleMarker([f.lat, f.lon], {
        radius: 7, color: "#fff", weight: 2, fillOpacity: 1,
        fillColor: f.proposed ? "#ed8c00" : (f.snapped ? "#1f5fa8" : "#777")
      });
      m.bindPopup(function () { return facilityPopup(f); });
      m.on("click", function () {
        isoShown.clearLayers();
        if (isoAll[f.code]) { isoShown.addData(isoAll[f.code]); }
      });
      m.addTo(facilities);
    });
    d.recommended.forEach(function (r) {
      var icon = L.divIcon({ className: "recmarker", html: String(r.rank), iconSize: [24, 24] });
      L.marker([r.lat, r.lon], { icon: icon, keyboard: false })
        .bindTooltip(t.tSite + " " + r.rank + ": +" + r.gain + " " + t.tGain)
        .addTo(recommended);
    });
    el.dataset.loaded = String(d.facilities.length);
    el.dataset.points = String(d.points.features.length);
  }).catch(function (e) { el.dataset.error = String(e); });
  window.zhiliServiceMap = map;
})();
