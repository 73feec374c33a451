// Resident report page: search the categories, show their questions, pick
// the place by map tap or GPS. Without JavaScript the plain form still works.
(function () {
  "use strict";
  var select = document.getElementById("id_service_code");
  var search = document.getElementById("service-search");
  search.hidden = false;
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    Array.prototype.forEach.call(select.options, function (o) {
      o.hidden = q && (o.dataset.keywords || "").toLowerCase().indexOf(q) === -1;
    });
  });
  function showAttributes() {
    document.querySelectorAll("fieldset.attr").forEach(function (fs) {
      var on = fs.dataset.service === select.value;
      fs.hidden = !on;
      fs.querySelectorAll("input,textarea,select").forEach(function (el) { el.disabled = !on; });
    });
  }
  select.addEventListener("change", showAttributes);
  showAttributes();

  var lat = document.getElementById("id_lat"), lon = document.getElementById("id_long"), datum = document.getElementById("id_datum");
  var mapEl = document.getElementById("report-map");
  mapEl.hidden = false;
  var map = L.map(mapEl).setView([22.85, 112.85], 11);
  var marker = null;
  function place(la, lo, d) {
    lat.value = la.toFixed(7); lon.value = lo.toFixed(7); datum.value = d || "wgs84";
    if (marker) { marker.setLatLng([la, lo]); } else { marker = L.circleMarker([la, lo], { radius: 8, color: "#b3261e" }).addTo(map); }
    document.getElementById("nearby-link").href = "nearby/?lat=" + lat.value + "&long=" + lon.value;
  }
  fetch(mapEl.dataset.outline || "outline.json").then(function (r) { return r.json(); }).then(function (g) {
    var layer = L.geoJSON(g, { style: { color: "#b3261e", weight: 2, fillOpacity: 0.03 } }).addTo(map);
    if (layer.getBounds().isValid()) { map.fitBounds(layer.getBounds()); }
  });
  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, "wgs84"); });
  var gps = document.getElementById("gps");
  if (navigator.geolocation) {
    gps.hidden = false;
    gps.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        place(p.coords.latitude, p.coords.longitude, "wgs84");  // browsers report WGS84
        map.setView([p.coords.latitude, p.coords.longitude], 16);
      });
    });
  }
  window.zhiliReportMap = map;
})();
