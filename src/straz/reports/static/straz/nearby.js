/* Report form: the public reports near the pin, as markers and as a list under the map,
 * in the chosen category unless "all categories" is ticked. The server renders the same
 * list without JS; here it follows the pin. Built from DOM nodes (Straz.el), never HTML. */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var form = document.getElementById("report-form");
  var list = document.getElementById("nearby-list");
  var note = document.getElementById("nearby-note");
  var all = document.getElementById("nearby-all");
  var allRow = document.getElementById("nearby-all-row");
  var category = document.getElementById("id_category");
  var latInput = document.getElementById("id_lat");
  var lonInput = document.getElementById("id_lon");
  if (!form || !list || !note || !cfg.nearbyUrl) return;
  if (allRow) allRow.hidden = false;

  var layer = null;
  function markers() {
    var map = window.strazReportMap;
    if (!layer && map && window.L) layer = L.layerGroup().addTo(map);
    return layer;
  }

  function point() {
    var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
    return isFinite(lat) && isFinite(lon) ? { lat: lat, lon: lon } : null;
  }

  function render(data) {
    var items = data.items || [];
    S.clear(list);
    var group = markers();
    if (group) group.clearLayers();
    items.forEach(function (r) {
      var link = S.el("a", { href: r.url }, S.t("Report #%(id)s", { id: r.id }) + ": " + r.category.name);
      list.appendChild(S.el("li", { "data-report-id": r.id, "data-category": r.category.code }, [
        link, S.el("br"),
        S.el("span", { className: "swatch", "aria-hidden": "true", style: { background: r.status_color } }),
        r.status_label,
        " · ", S.el("time", { datetime: r.reported_on }, r.reported_on_text),
        " · ", S.t("%(distance)s m away", { distance: r.distance_m }),
      ]));
      if (group) {
        var m = L.circleMarker([r.lat, r.lon], { radius: 7, color: "#ffffff", weight: 2, fillColor: r.status_color || "#555", fillOpacity: 1, bubblingMouseEvents: false });
        m.bindPopup(S.el("div", null, [
          S.el("strong", null, r.category.name), S.el("br"), r.status_label, S.el("br"),
          S.t("Reported") + ": " + r.reported_on_text, S.el("br"),
          S.el("a", { href: r.url, target: "_blank", rel: "noopener" }, S.t("Open the report")),
        ]));
        group.addLayer(m);
      }
    });
    var vars = { count: items.length, radius: data.radius_m, days: data.days };
    note.textContent = items.length
      ? S.t("Reports within %(radius)s m in the last %(days)s days: %(count)s. Is yours among them?", vars)
      : S.t("No reports within %(radius)s m in the last %(days)s days.", vars);
  }

  var controller = null;
  var load = S.debounce(function () {
    var p = point();
    if (!p) return;
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var url = cfg.nearbyUrl + "?lat=" + p.lat.toFixed(6) + "&lon=" + p.lon.toFixed(6);
    var code = category ? category.value : "";
    if (code && !(all && all.checked)) url += "&category=" + encodeURIComponent(code);
    fetch(url, { signal: controller ? controller.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(render)
      .catch(function () {});
  }, 300);

  form.addEventListener("straz:place", load);
  if (category) category.addEventListener("change", load);
  if (all) all.addEventListener("change", load);
  load();
})();
