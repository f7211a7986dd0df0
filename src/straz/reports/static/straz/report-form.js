/* Report form: place the pin (click, location, address search), live counter, file size check. */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var form = document.getElementById("report-form");
  if (!form || !window.L) return;
  var latInput = document.getElementById("id_lat");
  var lonInput = document.getElementById("id_lon");
  var placeStatus = document.getElementById("place-status");
  var preview = document.getElementById("route-preview");

  var start = null;
  var lat0 = parseFloat(latInput.value), lon0 = parseFloat(lonInput.value);
  if (isFinite(lat0) && isFinite(lon0)) start = [lat0, lon0];
  var map = S.createBaseMap("report-map", cfg, { center: start || cfg.center, zoom: start ? 16 : cfg.zoom, label: S.t("Place of the problem") });
  window.strazReportMap = map;
  var marker = null;

  function lookupDistrict(lat, lon) {
    if (!cfg.lookupUrl || !preview) return;
    fetch(cfg.lookupUrl + "?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6), { headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) return { outside: true };
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (data) {
        if (data.outside) { preview.textContent = S.t("This place is outside the districts we cover."); preview.className = "route-preview error-text"; return; }
        var text = S.t("This report will go to %(district)s.", { district: data.district.name });
        if (data.officer && data.officer.name) text += " " + S.t("District officer: %(officer)s", { officer: data.officer.name });
        preview.textContent = text;
        preview.className = "route-preview help";
      })
      .catch(function () { preview.textContent = ""; });
  }

  function place(lat, lon, opts) {
    opts = opts || {};
    latInput.value = lat.toFixed(6);
    lonInput.value = lon.toFixed(6);
    var ll = L.latLng(lat, lon);
    if (!marker) {
      marker = L.marker(ll, { draggable: true, keyboard: true, title: S.t("Place of the problem"), alt: S.t("Place of the problem") }).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); place(p.lat, p.lng, { keepView: true }); });
    } else {
      marker.setLatLng(ll);
    }
    if (!opts.keepView) map.setView(ll, Math.max(map.getZoom(), 16));
    placeStatus.textContent = S.t("Place selected: %(lat)s, %(lon)s", { lat: lat.toFixed(5), lon: lon.toFixed(5) }) + " " + S.t("Drag the pin to adjust the place.");
    lookupDistrict(lat, lon);
    // nearby.js lists the public reports around the pin.
    form.dispatchEvent(new CustomEvent("straz:place", { detail: { lat: lat, lon: lon } }));
  }
  if (start) place(start[0], start[1], { keepView: true });

  map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, { keepView: true }); });

  var locate = document.getElementById("use-location");
  locate.addEventListener("click", function () {
    if (!navigator.geolocation) { placeStatus.textContent = S.t("Your browser cannot share your location."); return; }
    placeStatus.textContent = S.t("Locating…");
    navigator.geolocation.getCurrentPosition(
      function (pos) { place(pos.coords.latitude, pos.coords.longitude); },
      function () { placeStatus.textContent = S.t("Your location could not be found."); },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });

  // Address autocomplete: the address points first, the local gazetteer when none match.
  S.addressBox(document.getElementById("id_address_text"), document.getElementById("address-suggestions"), {
    url: cfg.addressesUrl,
    fallbackUrl: cfg.placesUrl,
    status: document.getElementById("address-status"),
    onChoose: function (r) { place(r.lat, r.lon); },
  });

  // Live character counter for the police-only description.
  var desc = document.getElementById("id_description");
  var counter = document.getElementById("description-counter");
  var max = parseInt(desc.getAttribute("data-max"), 10) || 500;
  function count() {
    var n = desc.value.length;
    counter.textContent = S.t("Characters: %(count)s / %(max)s", { count: n, max: max });
    counter.classList.toggle("over", n > max);
  }
  desc.addEventListener("input", count);
  count();

  // Refuse an oversized file before uploading it (the server checks again).
  var file = document.getElementById("id_attachment");
  var fileError = document.getElementById("attachment-client-error");
  var maxBytes = parseInt(file.getAttribute("data-max-bytes"), 10) || 5 * 1024 * 1024;
  function fileTooBig() {
    var f = file.files && file.files[0];
    var big = !!(f && f.size > maxBytes);
    fileError.textContent = big ? S.t("The file is larger than %(size)s MB.", { size: Math.round(maxBytes / 1048576) }) : "";
    return big;
  }
  file.addEventListener("change", fileTooBig);

  var submit = document.getElementById("report-submit");
  form.addEventListener("submit", function (e) {
    if (fileTooBig()) { e.preventDefault(); file.focus(); return; }
    // One click, one report: the button stays disabled while the page is sent.
    submit.disabled = true;
    submit.textContent = S.t("Sending…");
  });

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
// A page restored from the back/forward cache must be usable again.
window.addEventListener("pageshow", function (e) {
  var b = document.getElementById("report-submit");
  if (e.persisted && b) { b.disabled = false; }
});
