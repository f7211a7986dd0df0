/* Find your district: a map click or a search loads the server-rendered card (htmx). */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  if (!window.L || !document.getElementById("district-map")) return;
  var map = S.createBaseMap("district-map", cfg, { center: cfg.point || cfg.center, zoom: cfg.point ? 14 : cfg.zoom, label: S.t("Map") });
  window.strazDistrictMap = map;
  var pin = null;
  var highlight = null;
  var districts = null;
  map.on("straz:districts", function (e) { districts = e.data; showSelected(); });

  function setPin(lat, lon) {
    if (!pin) pin = L.marker([lat, lon], { keyboard: false }).addTo(map);
    else pin.setLatLng([lat, lon]);
  }

  function showSelected() {
    var card = document.getElementById("district-result");
    var err = document.getElementById("district-error");
    var src = card || err;
    if (src && src.getAttribute("data-lat")) {
      var lat = parseFloat(src.getAttribute("data-lat")), lon = parseFloat(src.getAttribute("data-lon"));
      setPin(lat, lon);
      if (!map.getBounds().contains([lat, lon])) map.setView([lat, lon], Math.max(map.getZoom(), 13));
    }
    if (highlight) { map.removeLayer(highlight); highlight = null; }
    if (card && districts) {
      var code = card.getAttribute("data-district-code");
      var feature = (districts.features || []).filter(function (f) { return f.properties && f.properties.code === code; })[0];
      if (feature) {
        highlight = L.geoJSON(feature, { interactive: false, style: { color: "#d62728", weight: 3, fillOpacity: 0.08 } }).addTo(map);
      }
    }
  }

  function load(url) {
    var target = document.getElementById("district-card");
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: target, swap: "innerHTML" }).then(showSelected);
    } else {
      window.location.href = url;
    }
  }

  map.on("click", function (e) {
    setPin(e.latlng.lat, e.latlng.lng);
    load(window.location.pathname + "?lat=" + e.latlng.lat.toFixed(6) + "&lon=" + e.latlng.lng.toFixed(6));
  });
  // Typing an address: suggestions from the address points; choosing one shows its card.
  S.addressBox(document.getElementById("district-q"), document.getElementById("district-suggestions"), {
    url: cfg.addressesUrl,
    status: document.getElementById("district-address-status"),
    onChoose: function (r) {
      setPin(r.lat, r.lon);
      load(window.location.pathname + "?q=" + encodeURIComponent(r.label));
    },
  });
  document.body.addEventListener("htmx:afterSwap", showSelected);
  showSelected();
})();
