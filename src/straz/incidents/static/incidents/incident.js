/* Incident page: the site map with its zones and posts (§5), an own click-to-add-vertex
   drawing tool that writes GeoJSON into the form (pasting GeoJSON works as well), the
   "lower than proposed" hint and filling the check-in form from a called component. */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var el = document.getElementById("site-map");
  var statusEl = document.getElementById("draw-status");
  function say(text) { if (statusEl) statusEl.textContent = text; }

  // A double click must not record a component's arrival twice: a form submits once.
  document.querySelectorAll("form[method=post]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (f.getAttribute("data-submitting")) { e.preventDefault(); return; }
      f.setAttribute("data-submitting", "1");
      f.setAttribute("aria-busy", "true");
    });
  });

  // ---------------------------------------------------------------- declaration hint
  var RANK = { I: 1, II: 2, III: 3, special: 4 };
  var declForm = document.getElementById("declare-form");
  if (declForm) {
    var levelSel = document.getElementById("id_declare-level");
    var hint = document.getElementById("declare-lower-hint");
    var reason = document.getElementById("id_declare-written_reason");
    var proposed = declForm.getAttribute("data-proposed");
    var plans = declForm.querySelectorAll("[data-testid='notice-plan-level']");
    var quiet = declForm.querySelector(".notice-plan > p.help");
    var check = function () {
      var lower = levelSel && RANK[levelSel.value] < RANK[proposed];
      if (hint) hint.hidden = !lower;
      // Who will be told: only the chosen level's notices (all of them without script).
      var chosen = levelSel ? levelSel.value : "";
      var notifying = false;
      plans.forEach(function (p) {
        var mine = p.getAttribute("data-level") === chosen;
        p.hidden = !mine;
        notifying = notifying || mine;
      });
      if (quiet) quiet.hidden = notifying;
      if (reason) { if (lower) reason.setAttribute("required", ""); else reason.removeAttribute("required"); }
    };
    if (levelSel) { levelSel.addEventListener("change", check); check(); }
  }

  // ---------------------------------------------------------------- check-in of a called component
  document.querySelectorAll(".js-checkin-called").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var set = function (id, v) { var i = document.getElementById(id); if (i) i.value = v; };
      set("id_checkin-deployment_id", btn.getAttribute("data-deployment-id"));
      set("id_checkin-kind", btn.getAttribute("data-kind"));
      set("id_checkin-unit_name", btn.getAttribute("data-unit"));
      set("id_checkin-people", btn.getAttribute("data-people"));
      set("id_checkin-vehicles", btn.getAttribute("data-vehicles"));
      var leader = document.getElementById("id_checkin-leader_name");
      if (leader) { leader.scrollIntoView({ block: "center" }); leader.focus(); }
    });
  });

  // ---------------------------------------------------------------- changes made elsewhere
  // The timeline polls itself; a newer entry than the page was drawn with means another
  // user changed the incident. Forms are not swapped under the user's hands: a notice
  // offers a reload instead.
  var timelineEl = document.getElementById("timeline");
  var drawnLatest = timelineEl ? Number(timelineEl.getAttribute("data-latest") || 0) : 0;
  // The timeline filter shows one kind of entry; it is applied again after every poll.
  var KIND_GROUPS = { command: ["command", "declaration", "state", "event"] };
  var tlFilter = document.getElementById("timeline-filter");
  function filterTimeline() {
    var want = tlFilter ? tlFilter.value : "";
    var kinds = want ? (KIND_GROUPS[want] || [want]) : null;
    document.querySelectorAll("#timeline li[data-kind]").forEach(function (li) {
      li.hidden = !!kinds && kinds.indexOf(li.getAttribute("data-kind")) === -1;
    });
  }
  if (tlFilter) tlFilter.addEventListener("change", filterTimeline);
  document.body.addEventListener("htmx:afterSettle", function () {
    var t = document.getElementById("timeline");
    var notice = document.getElementById("changed-notice");
    if (t && notice && Number(t.getAttribute("data-latest") || 0) > drawnLatest) notice.hidden = false;
    filterTimeline();
  });

  if (!el || !window.L || !cfg.point) return;

  // ---------------------------------------------------------------- the site map
  var map = S.createBaseMap("site-map", cfg, { center: cfg.point, zoom: cfg.zoom || 16,
    label: S.t("Place of the incident"), districts: false, quietOffline: true });
  var bounds = L.latLngBounds([cfg.point, cfg.point]);
  L.circleMarker(cfg.point, { radius: 9, color: "#ffffff", weight: 3, fillColor: cfg.levelColor || "#5b6570", fillOpacity: 1 })
    .bindTooltip(S.el("span", null, S.t("Place of the incident"))).addTo(map);
  if (cfg.affectedArea) {
    try {
      var area = L.geoJSON(cfg.affectedArea, { style: { color: "#7a1410", weight: 1, dashArray: "6 4", fillOpacity: 0.05 } }).addTo(map);
      bounds.extend(area.getBounds());
    } catch (e) { /* an unreadable stored area must not break the page */ }
  }
  var features = L.geoJSON(cfg.features || { type: "FeatureCollection", features: [] }, {
    style: function (f) {
      var p = f.properties || {};
      var section = p.kind === "section";
      return { color: p.color, weight: section ? 2 : 3, dashArray: section ? "5 4" : null, fillOpacity: p.kind === "danger_zone" ? 0.25 : 0.12 };
    },
    pointToLayer: function (f, latlng) {
      return L.circleMarker(latlng, { radius: 7, color: "#ffffff", weight: 2, fillColor: cfg.postColor || "#12355b", fillOpacity: 1 });
    },
    onEachFeature: function (f, layer) {
      var p = f.properties || {};
      layer.bindTooltip(S.el("span", null, p.kind_label + (p.name ? ": " + p.name : "")));
      if (layer.getElement) layer.on("add", function () {
        var node = layer.getElement(); if (node) { node.setAttribute("data-kind", p.kind); node.classList.add("site-feature"); }
      });
    },
  }).addTo(map);
  if (features.getLayers().length) bounds.extend(features.getBounds());
  if (bounds.isValid() && features.getLayers().length) map.fitBounds(bounds, { padding: [20, 20], maxZoom: 18 });
  el.setAttribute("data-features", String(features.getLayers().length));

  // ---------------------------------------------------------------- drawing tools
  var form = document.getElementById("feature-form");
  if (!form) { window.strazSiteMap = map; return; }
  var areaDraw = null, draw = null;
  var kindSel = document.getElementById("id_feature-kind");
  var geomIn = document.getElementById("id_feature-geometry");
  var btn = {
    start: document.getElementById("draw-start"), center: document.getElementById("draw-center"),
    undo: document.getElementById("draw-undo"), finish: document.getElementById("draw-finish"),
    cancel: document.getElementById("draw-cancel"), edit: document.getElementById("draw-edit"),
  };
  var pointKinds = cfg.pointKinds || [];
  draw = window.StrazDraw.attach(map, {
    el: el,
    onStart: function () { if (areaDraw) areaDraw.stop(); },
    geomInput: geomIn,
    buttons: btn,
    isPoint: function () { return pointKinds.indexOf(kindSel.value) !== -1; },
    color: function () { return (cfg.featureColors || {})[kindSel.value] || cfg.postColor || "#12355b"; },
    say: say,
    onFinish: function () {
      var submit = form.querySelector("[data-testid=feature-submit]");
      if (submit) submit.focus();
    },
  });
  kindSel.addEventListener("change", draw.restart);
  // The zone being changed is drawn on the map as it is now, so its shape can be compared.
  if (form.getAttribute("data-editing")) {
    form.scrollIntoView({ block: "nearest" });
  }

  // The affected area has its own tool on the same map; one tool draws at a time.
  var areaForm = document.getElementById("area-form");
  var areaIn = document.getElementById("id_area-geometry");
  if (areaForm && areaIn) {
    areaDraw = window.StrazDraw.attach(map, {
      el: el,
      geomInput: areaIn,
      buttons: {
        start: document.getElementById("area-draw-start"), center: document.getElementById("area-draw-center"),
        undo: document.getElementById("area-draw-undo"), finish: document.getElementById("area-draw-finish"),
        cancel: document.getElementById("area-draw-cancel"), edit: document.getElementById("area-draw-edit"),
      },
      color: function () { return "#7a1410"; },
      say: say,
      onStart: function () {
        draw.stop();
        var box = document.getElementById("area-box"); if (box) box.open = true;
      },
      onFinish: function () {
        var submit = areaForm.querySelector("[data-testid=area-submit]");
        if (submit) submit.focus();
      },
    });
  }
  el.setAttribute("tabindex", "0");
  window.strazSiteMap = map;
})();
