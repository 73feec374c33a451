// The report page on a phone: position from the device, category search,
// photo previews.  Without JavaScript the page still works: the longitude
// and latitude fields can be typed in and the category chosen from the list.
(function () {
  "use strict";
  var script = document.currentScript;
  var form = document.getElementById("reportform");
  if (!form) { return; }
  var lon = form.querySelector("[name=lon]");
  var lat = form.querySelector("[name=lat]");
  var datum = form.querySelector("[name=datum]");
  var status = document.getElementById("locate-status");
  var button = document.getElementById("locate");
  if (navigator.geolocation && button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = script.dataset.waiting;
      navigator.geolocation.getCurrentPosition(function (pos) {
        lon.value = pos.coords.longitude.toFixed(7);
        lat.value = pos.coords.latitude.toFixed(7);
        // The browser reports WGS84 (not GCJ-02 as WeChat and Amap do).
        if (datum) { datum.value = "wgs84"; }
        status.textContent = script.dataset.located.replace("{m}", Math.round(pos.coords.accuracy));
      }, function (err) {
        status.textContent = script.dataset.failed.replace("{e}", err.message);
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
  }
  var search = document.getElementById("category-search");
  var select = form.querySelector("[name=category]");
  if (search && select) {
    search.hidden = false;
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (o) {
        var show = !o.value || !q || o.text.toLowerCase().indexOf(q) >= 0;
        o.hidden = !show;
        if (show && o.value && !first) { first = o; }
      });
      if (q && first) { select.value = first.value; }
    });
  }
  var photos = form.querySelector("input[type=file]");
  var preview = document.getElementById("photo-preview");
  if (photos && preview && window.URL) {
    photos.addEventListener("change", function () {
      preview.textContent = "";
      Array.prototype.forEach.call(photos.files, function (f) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(f);
        img.alt = f.name;
        preview.appendChild(img);
      });
    });
  }
})();
