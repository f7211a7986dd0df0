/* Operations board: incident markers on the map, kept in step with the polled list; a
   client-side filter that survives each refresh; keyboard shortcuts (N new, / filter). */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var el = document.getElementById("board-map");
  var filter = document.getElementById("board-filter");
  var levelSel = document.getElementById("board-level");
  var rowsBox = document.getElementById("board-rows");
  var status = document.getElementById("board-updated");
  var errorBox = document.getElementById("board-refresh-error");
  var map = null, layer = null, markers = {}, fitted = false;

  function levelColor(level) { return (cfg.levelColors || {})[level || ""] || "#5b6570"; }

  // Popup and tooltip are DOM nodes with text children: Leaflet inserts strings as HTML, and
  // the titles are typed by dispatchers.
  function popupNode(p) {
    var br = function () { return S.el("br"); };
    return S.el("div", { className: "board-popup" }, [
      S.el("strong", null, p.title), br(),
      p.type, br(),
      p.level_label + " · " + p.state_label,
      p.commander ? br() : null, p.commander || null, br(),
      S.el("a", { href: p.url }, S.t("Open the incident")),
    ]);
  }

  function tooltipNode(p) {
    return S.el("span", { className: "board-tooltip", "data-testid": "board-tooltip" }, p.title);
  }

  function text(row, selector) {
    var node = row.querySelector(selector);
    return node ? node.textContent.trim() : "";
  }

  // The markers come from the rows themselves (data-lat/lon and the cells), so the polled
  // fragment carries each incident once.
  function readPoints() {
    return Array.prototype.map.call(document.querySelectorAll("#board-table tr.inc-row"), function (row) {
      var link = row.querySelector("a.inc-link");
      var badge = row.querySelector(".level-badge");
      var level = row.getAttribute("data-level");
      return {
        id: row.getAttribute("data-incident-id"),
        lat: parseFloat(row.getAttribute("data-lat")),
        lon: parseFloat(row.getAttribute("data-lon")),
        url: link ? link.getAttribute("href") : "#",
        title: link ? link.textContent.trim() : "",
        type: text(row, ".inc-type"),
        level: level === "none" ? "" : level,
        level_label: badge ? badge.getAttribute("title") : "",
        state_label: text(row, ".state-badge"),
        commander: row.querySelector(".inc-commander .warn-text") ? "" : text(row, ".inc-commander"),
        stale: row.classList.contains("stale"),
      };
    }).filter(function (p) { return isFinite(p.lat) && isFinite(p.lon); });
  }

  function drawMarkers() {
    if (!map) return;
    var points = readPoints();
    layer.clearLayers();
    markers = {};
    var bounds = [];
    points.forEach(function (p) {
      var m = L.circleMarker([p.lat, p.lon], {
        radius: 9, color: p.stale ? "#000000" : "#ffffff", weight: p.stale ? 3 : 2,
        fillColor: levelColor(p.level), fillOpacity: 0.95,
      });
      m.bindTooltip(tooltipNode(p));
      m.bindPopup(function () { return popupNode(p); });
      m.on("click", function () { highlightRow(p.id); });
      m.addTo(layer);
      markers[p.id] = m;
      bounds.push([p.lat, p.lon]);
    });
    el.setAttribute("data-markers", String(points.length));
    if (!fitted && bounds.length) {
      fitted = true;
      if (bounds.length === 1) map.setView(bounds[0], 14); else map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
    }
  }

  function highlightRow(id) {
    var rows = document.querySelectorAll("#board-table tr.inc-row");
    rows.forEach(function (r) { r.classList.toggle("selected", r.getAttribute("data-incident-id") === String(id)); });
  }

  // J / K walk through the visible rows (focus on the incident link; Enter opens it).
  function moveRow(step) {
    var links = Array.prototype.slice.call(document.querySelectorAll("#board-table tr.inc-row:not([hidden]) a.inc-link"));
    if (!links.length) return;
    var i = links.indexOf(document.activeElement);
    var next = links[Math.max(0, Math.min(links.length - 1, i === -1 ? 0 : i + step))];
    next.focus();
    var id = next.closest("tr").getAttribute("data-incident-id");
    highlightRow(id);
    var m = markers[id];
    if (m && map) { map.panTo(m.getLatLng()); m.openTooltip(); }
  }

  function applyFilter() {
    var q = (filter && filter.value || "").trim().toLowerCase();
    var lvl = levelSel ? levelSel.value : "";
    var shown = 0;
    document.querySelectorAll("#board-table tr.inc-row").forEach(function (row) {
      var ok = (!q || (row.getAttribute("data-search") || "").indexOf(q) !== -1) &&
        (!lvl || row.getAttribute("data-level") === lvl);
      row.hidden = !ok;
      if (ok) shown += 1;
      var m = markers[row.getAttribute("data-incident-id")];
      if (m && map) { if (ok) m.addTo(layer); else layer.removeLayer(m); }
    });
    document.querySelectorAll("#board-table tbody.event-group").forEach(function (tb) {
      tb.hidden = !tb.querySelector("tr.inc-row:not([hidden])");
    });
    return shown;
  }

  if (el && window.L) {
    map = S.createBaseMap("board-map", cfg, { districts: false, quietOffline: false });
    layer = L.layerGroup().addTo(map);
    drawMarkers();
    if (cfg.newIncidentUrl && document.getElementById("new-incident")) {
      map.on("click", function (e) {
        var url = cfg.newIncidentUrl + "?lat=" + e.latlng.lat.toFixed(6) + "&lon=" + e.latlng.lng.toFixed(6);
        L.popup().setLatLng(e.latlng)
          .setContent(S.el("a", { href: url, "data-testid": "board-new-here" }, S.t("Create an incident here")))
          .openOn(map);
      });
    }
  }
  applyFilter();

  if (filter) filter.addEventListener("input", applyFilter);
  if (levelSel) levelSel.addEventListener("change", applyFilter);

  document.body.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.target !== rowsBox) return;
    drawMarkers();
    applyFilter();
    var t = document.getElementById("board-rendered-at");
    if (status && t) status.textContent = S.t("Updated %(time)s", { time: t.textContent });
    if (errorBox) errorBox.textContent = "";
    rowsBox.classList.remove("refresh-failed");
  });
  document.body.addEventListener("htmx:responseError", function (evt) {
    if (evt.target !== rowsBox) return;
    rowsBox.classList.add("refresh-failed");
    if (errorBox) errorBox.textContent = S.t("The board could not be refreshed; retrying.");
  });
  document.body.addEventListener("htmx:sendError", function (evt) {
    if (evt.target !== rowsBox) return;
    rowsBox.classList.add("refresh-failed");
    if (errorBox) errorBox.textContent = S.t("The board could not be refreshed; retrying.");
  });

  // Keyboard: N opens a new incident, / focuses the filter, Escape clears it.
  document.addEventListener("keydown", function (e) {
    var tag = (e.target && e.target.tagName) || "";
    var typing = /^(INPUT|TEXTAREA|SELECT)$/.test(tag) || (e.target && e.target.isContentEditable);
    if (e.key === "Escape" && e.target === filter) { filter.value = ""; applyFilter(); return; }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === "/" && filter) { e.preventDefault(); filter.focus(); }
    else if ((e.key === "n" || e.key === "N") && document.getElementById("new-incident")) {
      e.preventDefault(); document.getElementById("new-incident").click();
    }
    else if (e.key === "j" || e.key === "k") { e.preventDefault(); moveRow(e.key === "j" ? 1 : -1); }
  });
  window.strazBoardMap = map;
})();
