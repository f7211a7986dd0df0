/* An own click-to-add-vertex drawing tool for Leaflet (no plugin): polygons vertex by
   vertex, or a single point; writes GeoJSON into a form field and previews pasted GeoJSON.
   Keyboard: Enter finishes, Escape cancels, Backspace removes the last vertex; "add vertex
   at centre" lets keyboard users draw by moving the map with the arrow keys. "Edit the
   vertices" loads the shape in the form (a zone being changed) as draggable vertices. */
(function () {
  "use strict";
  var S = window.Straz;

  function round(x) { return Math.round(x * 1e7) / 1e7; }

  /**
   * opts: el (map container), geomInput (textarea), buttons {start, center, undo, finish,
   * cancel, edit}, isPoint() → bool, color() → CSS colour, say(text), onFinish(geometry),
   * onStart() (e.g. to stop another tool on the same map).
   */
  function attach(map, opts) {
    var el = opts.el, geomIn = opts.geomInput, btn = opts.buttons;
    var isPoint = opts.isPoint || function () { return false; };
    var color = opts.color || function () { return "#c62828"; };
    var say = opts.say || function () {};
    var drawing = false, vertices = [];
    var sketch = L.layerGroup().addTo(map), handles = L.layerGroup().addTo(map), preview = L.layerGroup().addTo(map);
    var handleIcon = L.divIcon({ className: "draw-vertex", iconSize: [12, 12] });

    function setButtons() {
      if (btn.start) btn.start.disabled = drawing;
      if (btn.center) btn.center.disabled = !drawing;
      if (btn.undo) btn.undo.disabled = !drawing || vertices.length === 0;
      if (btn.finish) btn.finish.disabled = !drawing || isPoint() || vertices.length < 3;
      if (btn.cancel) btn.cancel.disabled = !drawing;
      if (btn.edit) btn.edit.disabled = drawing || !editableRing();
      el.classList.toggle("drawing", drawing);
      el.setAttribute("data-drawing", drawing ? "1" : "0");
      el.setAttribute("data-vertices", String(vertices.length));
    }
    function drawLine() {
      sketch.clearLayers();
      if (vertices.length > 1) {
        L.polyline(vertices.concat(vertices.length > 2 ? [vertices[0]] : []), { color: color(), weight: 2, dashArray: "4 4", interactive: false }).addTo(sketch);
      }
    }
    function redraw() {
      drawLine();
      handles.clearLayers();
      // Vertices are handles: dragging one moves it (a click on one adds nothing).
      vertices.forEach(function (v, i) {
        var m = L.marker(v, { icon: handleIcon, draggable: true, keyboard: false, title: String(i + 1) }).addTo(handles);
        m.on("drag", function () { var ll = m.getLatLng(); vertices[i] = [ll.lat, ll.lng]; drawLine(); });
        m.on("dragend", function () { redraw(); say(S.t("Vertices: %(count)s", { count: vertices.length })); });
      });
    }
    // The outer ring of a single Polygon in the form, as [lat, lon] vertices (or null).
    function editableRing() {
      var g;
      try { g = JSON.parse(geomIn.value); } catch (e) { return null; }
      if (g && g.type === "Feature") g = g.geometry;
      if (!g || g.type !== "Polygon" || !g.coordinates || !g.coordinates.length) return null;
      var ring = g.coordinates[0].map(function (c) { return [c[1], c[0]]; });
      if (ring.length > 1 && ring[0][0] === ring[ring.length - 1][0] && ring[0][1] === ring[ring.length - 1][1]) ring.pop();
      return ring.length >= 3 ? ring : null;
    }
    function showGeometry(geom) {
      preview.clearLayers();
      el.setAttribute("data-preview", "0");
      if (!geom) return;
      try {
        L.geoJSON(geom, {
          interactive: false,
          style: { color: color(), weight: 3, fillOpacity: 0.2 },
          pointToLayer: function (f, ll) { return L.circleMarker(ll, { radius: 8, color: color(), weight: 3, fillOpacity: 0.6 }); },
        }).addTo(preview);
        el.setAttribute("data-preview", "1");
      } catch (e) { /* not drawable: the server explains why on save */ }
    }
    function start(from) {
      if (opts.onStart) opts.onStart();
      drawing = true; vertices = from || []; preview.clearLayers(); redraw();
      map.doubleClickZoom.disable();
      say(isPoint() ? S.t("Click the map to place the post.") : S.t("Click the map to add vertices; finish with Enter or the Finish button."));
      setButtons();
      el.focus();
    }
    function stop() { drawing = false; map.doubleClickZoom.enable(); sketch.clearLayers(); handles.clearLayers(); setButtons(); }
    function edit() {
      var ring = editableRing();
      if (!ring) return;
      start(ring);
      say(S.t("Drag the vertices, click the map to add one; finish with Enter or the Finish button."));
    }
    function add(latlng) {
      if (!drawing) return;
      vertices.push([latlng.lat, latlng.lng]);
      if (isPoint()) { finish(); return; }
      redraw();
      say(S.t("Vertices: %(count)s", { count: vertices.length }));
      setButtons();
    }
    function finish() {
      var geom;
      if (isPoint()) {
        if (!vertices.length) return;
        var v = vertices[vertices.length - 1];
        geom = { type: "Point", coordinates: [round(v[1]), round(v[0])] };
      } else {
        if (vertices.length < 3) { say(S.t("A zone needs at least 3 vertices.")); return; }
        var ring = vertices.map(function (p) { return [round(p[1]), round(p[0])]; });
        ring.push(ring[0].slice());
        geom = { type: "Polygon", coordinates: [ring] };
      }
      geomIn.value = JSON.stringify(geom);
      stop();
      showGeometry(geom);
      say(S.t("Shape ready; check the form and save it."));
      if (opts.onFinish) opts.onFinish(geom);
    }
    function cancel() {
      vertices = []; stop(); say(S.t("Drawing cancelled."));
      try { showGeometry(JSON.parse(geomIn.value)); } catch (e) { /* nothing to show */ }
    }
    function undo() { vertices.pop(); redraw(); say(S.t("Vertices: %(count)s", { count: vertices.length })); setButtons(); }

    map.on("click", function (e) { add(e.latlng); });
    if (btn.start) btn.start.addEventListener("click", function () { start(); });
    if (btn.edit) btn.edit.addEventListener("click", edit);
    if (btn.center) btn.center.addEventListener("click", function () { add(map.getCenter()); });
    if (btn.undo) btn.undo.addEventListener("click", undo);
    if (btn.finish) btn.finish.addEventListener("click", finish);
    if (btn.cancel) btn.cancel.addEventListener("click", cancel);
    document.addEventListener("keydown", function (e) {
      if (!drawing) return;
      var tag = (e.target && e.target.tagName) || "";
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(tag)) return;
      if (e.key === "Enter") { e.preventDefault(); finish(); }
      else if (e.key === "Escape") { e.preventDefault(); cancel(); }
      else if (e.key === "Backspace") { e.preventDefault(); undo(); }
    });
    // Pasted GeoJSON is previewed as it is typed (the server validates it on save).
    geomIn.addEventListener("input", function () {
      try { showGeometry(JSON.parse(geomIn.value)); } catch (e) { preview.clearLayers(); }
      setButtons();
    });
    if (geomIn.value) { try { showGeometry(JSON.parse(geomIn.value)); } catch (e) { /* shown by the server's error */ } }
    setButtons();
    return {
      isDrawing: function () { return drawing; },
      restart: function () { if (drawing) start(); },
      stop: function () { if (drawing) { vertices = []; stop(); } },
    };
  }

  window.StrazDraw = { attach: attach };
})();
