/* New incident: a click on the map (or the typed coordinates) sets the incident's point. */
(function () {
  "use strict";
  var S = window.Straz;

  // A double click must not record a component's arrival twice: a form submits once.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (f.getAttribute("data-submitting")) { e.preventDefault(); return; }
      f.setAttribute("data-submitting", "1");
      f.setAttribute("aria-busy", "true");
    });
  });
  var cfg = S.readConfig("straz-map-config");
  var el = document.getElementById("incident-map");
  var latIn = document.getElementById("id_lat");
  var lonIn = document.getElementById("id_lon");
  var status = document.getElementById("point-status");
  if (!el || !window.L || !latIn || !lonIn) return;
  var start = null;
  if (latIn.value && lonIn.value && isFinite(+latIn.value) && isFinite(+lonIn.value)) start = [+latIn.value, +lonIn.value];
  var map = S.createBaseMap("incident-map", cfg, { center: start || cfg.center, zoom: start ? 15 : cfg.zoom,
    label: S.t("Place of the incident"), districts: false });
  var marker = null;

  function say(lat, lon) {
    status.textContent = S.t("Point set: %(lat)s, %(lon)s", { lat: lat.toFixed(5), lon: lon.toFixed(5) });
  }
  function place(lat, lon, fromInputs) {
    if (!marker) {
      marker = L.marker([lat, lon], { draggable: true, keyboard: true, title: S.t("Place of the incident") }).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); place(p.lat, p.lng); });
    } else {
      marker.setLatLng([lat, lon]);
    }
    if (!fromInputs) {
      latIn.value = lat.toFixed(6);
      lonIn.value = lon.toFixed(6);
    }
    el.setAttribute("data-point", lat.toFixed(6) + "," + lon.toFixed(6));
    say(lat, lon);
  }
  if (start) place(start[0], start[1], true); else status.textContent = S.t("Click the map to set the place of the incident.");
  // The optional affected area is drawn with the same tool as the site's zones; while it is
  // being drawn, clicks add vertices instead of moving the incident's point.
  var draw = null;
  var areaIn = document.getElementById("id_affected_area");
  if (areaIn && window.StrazDraw) {
    draw = window.StrazDraw.attach(map, {
      el: el,
      geomInput: areaIn,
      buttons: {
        start: document.getElementById("draw-start"), center: document.getElementById("draw-center"),
        undo: document.getElementById("draw-undo"), finish: document.getElementById("draw-finish"),
        cancel: document.getElementById("draw-cancel"),
      },
      color: function () { return "#7a1410"; },
      say: function (text) { status.textContent = text; },
    });
  }
  map.on("click", function (e) { if (!draw || !draw.isDrawing()) place(e.latlng.lat, e.latlng.lng); });
  function fromInputs() {
    var lat = parseFloat(latIn.value), lon = parseFloat(lonIn.value);
    if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
      place(lat, lon, true);
      map.panTo([lat, lon]);
    }
  }
  latIn.addEventListener("change", fromInputs);
  lonIn.addEventListener("change", fromInputs);
  window.strazIncidentMap = map;
})();
