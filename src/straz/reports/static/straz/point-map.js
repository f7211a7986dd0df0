/* A small map showing one location (public report page, staff report page, district page). */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var el = document.getElementById("report-map");
  if (!el || !window.L || !cfg.point) return;
  var map = S.createBaseMap("report-map", cfg, { center: cfg.point, zoom: cfg.zoom, label: S.t("Place of the problem"), quietOffline: true });
  var color = cfg.statusColor || "#12355b";
  if (cfg.approximate) {
    // An approximated location is an area, not a pin: draw a circle about the size of the cell.
    L.circle(cfg.point, { radius: 500, color: color, weight: 2, fillOpacity: 0.15 }).addTo(map);
  } else {
    L.circleMarker(cfg.point, { radius: 10, color: "#ffffff", weight: 3, fillColor: color, fillOpacity: 1 }).addTo(map);
  }
  if (cfg.publicPoint && (cfg.publicPoint[0] !== cfg.point[0] || cfg.publicPoint[1] !== cfg.point[1])) {
    L.circle(cfg.publicPoint, { radius: 500, color: "#555555", weight: 1, dashArray: "4 4", fillOpacity: 0.05 }).addTo(map);
  }
  window.strazPointMap = map;
})();
