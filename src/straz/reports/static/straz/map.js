/*
 * Straz public threat map.
 *
 * Stable hooks for end-to-end tests (keep them when changing the markup):
 *   #map                      [data-testid=public-map]; data-state = loading | idle | error,
 *                             data-feature-count = features drawn, data-report-count = sum of counts
 *   #map-filters              the filter form: #filter-category, #filter-status, #filter-period,
 *                             #filter-layer (checkbox, value "police")
 *   #map-status               [data-testid=map-status] polite live region ("N reports in view")
 *   .straz-cluster            [data-testid=map-cluster] data-count = reports in the cluster
 *   .straz-point              [data-testid=map-point] data-report-id, data-status
 *   a.popup-report-link       [data-testid=popup-report-link] link to /r/<id>/ in a point's popup
 *   .popup-date               [data-testid=popup-date] "Reported: <day>" in a point's popup
 *   window.strazMap           the Leaflet map (e.g. strazMap.setView([49.74, 13.37], 16))
 *   window.strazReloadMap()   reload now (returns a Promise)
 *   #map-list                 [data-testid=map-list] links a[data-report-id] to every single report in
 *                             view (points mode), inside <details id="map-list-wrap">
 * Report form (report-form.js): #report-form, #report-map, #id_category, #id_lat, #id_lon,
 *   #id_address_text, #address-suggestions, #use-location, #id_description,
 *   #description-counter, #id_occurred_at, #id_attachment, #report-submit, #route-preview.
 * Confirmation: #report-number [data-testid=report-number] (data-report-id), #report-public-link.
 * Public report page: #report-status [data-status], #report-history, #also-reported.
 * Staff: #id_username, #id_password, #login-submit; queue rows tr[data-report-id] with
 *   a.staff-report-link; staff report: #staff-report-status [data-status], transition buttons
 *   button[data-testid=transition-<status>] inside #transition-form, #id_public_note,
 *   #id_note, #note-form, #report-description.
 */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var lang = document.documentElement.lang || "cs";
  var form = document.getElementById("map-filters");
  var statusLine = document.getElementById("map-status");

  var params = new URLSearchParams(window.location.search);
  var center = cfg.center;
  var zoom = cfg.zoom;
  var plat = parseFloat(params.get("lat")), plon = parseFloat(params.get("lon")), pz = parseInt(params.get("z"), 10);
  if (isFinite(plat) && isFinite(plon) && Math.abs(plat) <= 90 && Math.abs(plon) <= 180) center = [plat, plon];
  if (isFinite(pz) && pz >= 3 && pz <= 19) zoom = pz;

  var positioned = center !== cfg.center;
  var map = S.createBaseMap("map", cfg, { center: center, zoom: zoom, label: S.t("Map") });
  // Without a position in the address, show the whole area served.
  // A place searched for or a drag before the districts arrive is where the person wants
  // to be: the late "whole area" view must not take them away from it.
  map.on("straz:positioned dragstart", function () { positioned = true; });
  map.on("straz:districts", function (e) {
    if (positioned) return;
    var bounds = e.layer.getBounds();
    if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
  });
  var features = L.layerGroup().addTo(map);
  window.strazMap = map;

  function currentFilters() {
    var data = new FormData(form);
    return {
      category: data.get("category") || "",
      status: data.get("status") || "",
      period: data.get("period") || "",
      layer: form.elements.layer && form.elements.layer.checked ? "police" : "reports",
    };
  }

  function syncUrl() {
    var f = currentFilters();
    var q = new URLSearchParams();
    if (f.category) q.set("category", f.category);
    if (f.status) q.set("status", f.status);
    if (f.period && f.period !== (cfg.filters && cfg.filters.defaultPeriod || "365d")) q.set("period", f.period);
    if (f.layer === "police") q.set("layer", "police");
    var c = map.getCenter();
    q.set("lat", c.lat.toFixed(5));
    q.set("lon", c.lng.toFixed(5));
    q.set("z", String(map.getZoom()));
    window.history.replaceState(null, "", window.location.pathname + "?" + q.toString());
  }

  function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }

  function apiUrl() {
    var b = map.getBounds();
    var f = currentFilters();
    var q = new URLSearchParams();
    q.set("bbox", [
      clamp(b.getWest(), -180, 180).toFixed(6), clamp(b.getSouth(), -90, 90).toFixed(6),
      clamp(b.getEast(), -180, 180).toFixed(6), clamp(b.getNorth(), -90, 90).toFixed(6),
    ].join(","));
    q.set("zoom", String(Math.round(map.getZoom())));
    if (f.layer === "police") {
      // Police data has its own type list and no statuses; the citizen filters do not apply.
      q.set("layer", "police");
    } else {
      if (f.category) q.set("category", f.category);
      if (f.status) q.set("status", f.status);
    }
    if (f.period) q.set("period", f.period);
    return cfg.mapUrl + "?" + q.toString();
  }

  function formatCount(n) {
    if (n >= 100000) return Math.round(n / 1000) + "k";
    if (n >= 10000) return (n / 1000).toFixed(0) + "k";
    return String(n);
  }

  function categoryName(props) {
    var c = props.category;
    if (c == null && props.category_id != null) c = props.category_id;
    if (c == null) return "";
    var code = (cfg.categories && cfg.categories[c]) ? c : (cfg.categoryIds && cfg.categoryIds[String(c)]);
    return (code && cfg.categories[code]) || props.category_name || String(c);
  }

  function isCluster(props) {
    if (props.kind) return props.kind === "cluster";
    return props.id == null && typeof props.count === "number";
  }

  function clusterMarker(latlng, props, police) {
    var count = props.count || 0;
    var size = clusterSize(count);
    var label = S.t(police ? "Police records here: %(count)s (zoom in)" : "Reports here: %(count)s (zoom in)", { count: count });
    var icon = L.divIcon({
      className: "",
      html: S.el("div", {
        className: "straz-cluster" + (police ? " police" : ""), "data-testid": "map-cluster", "data-count": count,
        style: { width: size + "px", height: size + "px", "line-height": size + "px" },
      }, formatCount(count)),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
    });
    var m = L.marker(latlng, { icon: icon, title: label, alt: label, keyboard: true, riseOnHover: true });
    m.on("click", function () {
      var target = props.expansion_zoom || Math.min(map.getZoom() + 2, map.getMaxZoom());
      map.setView(latlng, target);
    });
    return m;
  }

  /*
   * The day a report was filed, in the page language's own date format. The API sends the
   * local day as YYYY-MM-DD; it is read as a calendar day (not UTC midnight), so that no
   * browser time zone moves it to the day before.
   */
  function reportDay(props) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(props.date || "");
    if (!m) return "";
    var d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (isNaN(d.getTime())) return "";
    return S.formatDate(d);  // the page language's one date format (ADR 0035)
  }

  function pointMarker(latlng, props, police) {
    var status = props.status || "";
    var color = police ? "#555555" : (cfg.statusColors[status] || "#12355b");
    var cat = categoryName(props) || (police ? (props.type_name || props.label || S.t("Police record")) : "");
    var statusLabel = cfg.statusLabels[status] || "";
    var title = police ? cat : cat + " — " + statusLabel;
    var approx = !!props.approximate;
    var id = props.id != null ? String(props.id) : "";
    var icon = L.divIcon({
      className: "",
      html: S.el("div", {
        className: "straz-point" + (approx ? " approx" : ""), "data-testid": "map-point",
        "data-report-id": id, "data-status": status, style: { background: color },
      }),
      iconSize: [18, 18],
      iconAnchor: [9, 9],
      popupAnchor: [0, -8],
    });
    var m = L.marker(latlng, { icon: icon, title: title, alt: title, keyboard: true, riseOnHover: true });
    // The popup is built from DOM nodes with text children: category names come from data.
    m.bindPopup(function () {
      var parts = [S.el("strong", null, cat)];
      if (!police && id) parts.push(" ", S.el("span", { className: "help" }, S.t("Report #%(id)s", { id: id })));
      if (!police && statusLabel) {
        parts.push(S.el("br"), S.el("span", { className: "status-badge" }, [
          S.el("span", { className: "dot", style: { background: color } }), statusLabel,
        ]));
      }
      var day = reportDay(props);
      if (day) {
        parts.push(S.el("br"), S.el("span", { className: "popup-date", "data-testid": "popup-date" },
          S.t("Reported") + ": " + day));
      }
      var also = props.duplicate_count || props.also_reported || 0;
      if (also > 0) parts.push(S.el("br"), S.t("People who reported it: %(count)s", { count: also + 1 }));
      if (approx) parts.push(S.el("br"), S.el("em", null, S.t("Approximate location")));
      if (!police && id) {
        parts.push(S.el("br"), S.el("a", {
          className: "popup-report-link", "data-testid": "popup-report-link",
          href: cfg.reportUrl.replace("{id}", encodeURIComponent(id)),
        }, S.t("Open the report")));
      }
      return S.el("div", null, parts);
    });
    return m;
  }

  var controller = null;
  var generation = 0;

  function syncPoliceControls() {
    var police = currentFilters().layer === "police";
    ["category", "status"].forEach(function (name) {
      var field = form.elements[name];
      if (field) field.disabled = police;
    });
  }

  function setState(state, text) {
    el.setAttribute("data-state", state);
    if (statusLine && text != null) statusLine.textContent = text;
  }

  function clusterSize(count) {
    return Math.round(28 + Math.min(36, Math.log10(Math.max(count, 1)) * 12));
  }

  /*
   * Fine H3 cells can lie closer on screen than their circles are wide. Merge overlapping
   * clusters (biggest first) into one circle at their count-weighted mean; counts stay
   * exact because they are summed, and only public positions are involved.
   */
  function mergeOverlapping(list) {
    var items = list.map(function (f) {
      var c = f.geometry.coordinates;
      var ll = L.latLng(c[1], c[0]);
      return { latlng: ll, pt: map.latLngToLayerPoint(ll), count: f.properties.count || 0, props: f.properties };
    }).sort(function (a, b) { return b.count - a.count; });
    var kept = [];
    items.forEach(function (it) {
      for (var i = 0; i < kept.length; i++) {
        var k = kept[i];
        var limit = (clusterSize(k.count) + clusterSize(it.count)) / 2 * 0.85;
        if (k.pt.distanceTo(it.pt) < limit) {
          var total = k.count + it.count;
          k.pt = L.point((k.pt.x * k.count + it.pt.x * it.count) / total, (k.pt.y * k.count + it.pt.y * it.count) / total);
          k.count = total;
          k.merged = true;
          return;
        }
      }
      kept.push({ pt: it.pt, latlng: it.latlng, count: it.count, props: it.props });
    });
    return kept.map(function (k) {
      var latlng = k.merged ? map.layerPointToLatLng(k.pt) : k.latlng;
      return { latlng: latlng, props: k.merged ? { kind: "cluster", count: k.count } : k.props };
    });
  }

  function render(data, police) {
    features.clearLayers();
    var total = 0, drawn = 0;
    syncPoliceControls();
    var clusters = (data.features || []).filter(function (f) {
      return f.geometry && f.geometry.type === "Point" && isCluster(f.properties || {});
    });
    mergeOverlapping(clusters).forEach(function (c) {
      features.addLayer(clusterMarker(c.latlng, c.props, police));
      total += c.props.count || 0;
      drawn += 1;
    });
    (data.features || []).forEach(function (f) {
      if (f.geometry && f.geometry.type === "Point" && isCluster(f.properties || {})) return;
      if (!f.geometry || f.geometry.type !== "Point") return;
      var c = f.geometry.coordinates;
      var latlng = L.latLng(c[1], c[0]);
      var props = f.properties || {};
      if (isCluster(props)) {
        features.addLayer(clusterMarker(latlng, props, police));
        total += props.count || 0;
      } else {
        features.addLayer(pointMarker(latlng, props, police));
        total += typeof props.count === "number" ? props.count : 1;
      }
      drawn += 1;
    });
    renderList(data, police);
    el.setAttribute("data-feature-count", String(drawn));
    if (typeof data.total === "number") total = data.total;
    el.setAttribute("data-report-count", String(total));
    el.setAttribute("data-mode", data.mode || "");
    var shown = total.toLocaleString(lang);
    if (police) {
      setState("idle", total ? S.t("Police records in view: %(count)s", { count: shown }) : S.t("No police records in view."));
    } else {
      setState("idle", total ? S.t("Reports in view: %(count)s", { count: shown }) : S.t("No reports in view for these filters."));
    }
  }

  // A plain list of the single reports in view: reachable by keyboard and screen readers,
  // and a way to open reports that sit on top of each other on the map.
  var list = document.getElementById("map-list");
  var listHint = document.getElementById("map-list-hint");
  function renderList(data, police) {
    if (!list) return;
    S.clear(list);
    var points = police ? [] : (data.features || []).filter(function (f) { return !isCluster(f.properties || {}); });
    if (listHint) listHint.hidden = points.length > 0;
    points.slice(0, 200).forEach(function (f) {
      var p = f.properties || {};
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = cfg.reportUrl.replace("{id}", encodeURIComponent(String(p.id)));
      a.setAttribute("data-report-id", String(p.id));
      var dot = document.createElement("span");
      dot.className = "dot";
      dot.style.background = cfg.statusColors[p.status] || "#12355b";
      a.appendChild(dot);
      a.appendChild(document.createTextNode(" " + categoryName(p) + " — " + (cfg.statusLabels[p.status] || "")));
      li.appendChild(a);
      list.appendChild(li);
    });
  }

  function load() {
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    var mine = ++generation;
    var police = currentFilters().layer === "police";
    setState("loading", S.t("Loading…"));
    return fetch(apiUrl(), { signal: controller ? controller.signal : undefined, headers: { Accept: "application/geo+json, application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("map " + r.status); return r.json(); })
      .then(function (data) { if (mine === generation) render(data, police); })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        if (mine === generation) setState("error", S.t("The map data could not be loaded. Try again."));
      });
  }

  // FixMyStreet-style: at street level, a click on an empty spot offers to report right there.
  map.on("click", function (e) {
    if (map.getZoom() < 14 || !cfg.reportNewUrl) return;
    var href = cfg.reportNewUrl + "?lat=" + e.latlng.lat.toFixed(6) + "&lon=" + e.latlng.lng.toFixed(6);
    L.popup().setLatLng(e.latlng)
      .setContent(S.el("a", { className: "report-here-link", "data-testid": "report-here-link", href: href },
        S.t("Report a problem here")))
      .openOn(map);
  });

  var loadSoon = S.debounce(function () { syncUrl(); load(); }, 250);
  map.on("moveend", loadSoon);
  form.addEventListener("change", function () { syncUrl(); load(); });
  form.addEventListener("submit", function (e) { e.preventDefault(); syncUrl(); load(); });
  window.strazReloadMap = load;
  syncPoliceControls();
  syncUrl();
  load();
})();
