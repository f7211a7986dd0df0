/* The public map's place search: without JS the form reloads the page with the results;
 * with JS it asks /api/v1/search and recentres the map, keeping the filters and the page.
 * Results are built as DOM nodes (Straz.el), never HTML strings. */
(function () {
  "use strict";
  var S = window.Straz;
  var cfg = S.readConfig("straz-map-config");
  var form = document.getElementById("map-search");
  var box = document.getElementById("map-search-results");
  var input = document.getElementById("map-search-q");
  if (!form || !box || !input) return;

  function map() { return window.strazMap || null; }

  function focus(result) {
    var m = map();
    if (!m || !result) return;
    m.fire("straz:positioned");
    var b = result.bounds;
    function go() {
      if (b && b.length === 4) {
        m.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: [10, 10], maxZoom: 16 });
      } else {
        m.setView([result.lat, result.lon], 17);
      }
    }
    // Leaflet ignores a zoom asked for while another zoom is animating (the first view of
    // the area, when the districts arrive): go there once that one has ended.
    if (m._animatingZoom) m.once("zoomend", go); else go();
  }

  function showFound(result) {
    S.clear(box);
    box.appendChild(S.el("p", { id: "map-search-found", "data-key": result.key || "" },
      S.t("Showing: %(name)s", { name: result.name })));
    focus(result);
  }

  function showList(results) {
    S.clear(box);
    var heading = S.el("p", { id: "map-search-heading" }, S.t("Places found: %(count)s. Choose one:", { count: results.length }));
    var list = S.el("ul", { className: "search-results", "aria-labelledby": "map-search-heading" });
    results.forEach(function (r) {
      var detail = r.kind_label + (r.district && r.district !== r.name ? ", " + r.district : "");
      var button = S.el("button", { type: "button", className: "link-button", "data-key": r.key }, r.name);
      button.addEventListener("click", function () { showFound(r); input.focus(); });
      list.appendChild(S.el("li", { "data-key": r.key }, [button, " ", S.el("span", { className: "help" }, "(" + detail + ")")]));
    });
    box.appendChild(heading);
    box.appendChild(list);
  }

  function exactOrOnly(results, text) {
    if (results.length === 1) return results[0];
    var norm = text.trim().toLowerCase();
    var exact = results.filter(function (r) { return r.name.toLowerCase() === norm; });
    return exact.length === 1 ? exact[0] : null;
  }

  var pending = null;
  form.addEventListener("submit", function (e) {
    var text = input.value.trim();
    if (!text || !cfg.searchUrl || !window.fetch) return; // the plain GET form still works
    e.preventDefault();
    if (pending) pending.abort();
    pending = window.AbortController ? new AbortController() : null;
    S.clear(box);
    box.appendChild(S.el("p", null, S.t("Searching…")));
    fetch(cfg.searchUrl + "?q=" + encodeURIComponent(text), { signal: pending ? pending.signal : undefined, headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (results) {
        if (!results.length) {
          S.clear(box);
          box.appendChild(S.el("p", { className: "error-text", id: "map-search-none" }, S.t("No matching places.")));
          return;
        }
        var one = exactOrOnly(results, text);
        if (one) showFound(one); else showList(results);
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        S.clear(box);
        box.appendChild(S.el("p", { className: "error-text" }, S.t("The search failed. Try again.")));
      });
  });

  // A result chosen on the server (?q= or ?pick=): look there once the map is up, also
  // after the map fitted the districts it serves.
  if (cfg.search) {
    var m = map();
    if (m) {
      focus(cfg.search);
      m.once("straz:districts", function () { focus(cfg.search); });
    }
  }
})();
