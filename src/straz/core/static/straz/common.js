/* Straz shared helpers: translated strings, the base map with a tile fallback, district outlines. */
(function () {
  "use strict";
  var strings = {};
  var node = document.getElementById("straz-i18n");
  if (node) {
    try { strings = JSON.parse(node.textContent); } catch (e) { strings = {}; }
  }

  /** A translated UI string rendered by the server; `vars` fills %(name)s placeholders. */
  function t(key, vars) {
    var s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      Object.keys(vars).forEach(function (k) { s = s.split("%(" + k + ")s").join(String(vars[k])); });
    }
    return s;
  }

  // The page's language, time zone, date formats and the map library's words, set by the
  // server on this script's element (ADR 0035).
  var page = document.getElementById("straz-common");
  function pageSetting(name, fallback) {
    var value = page ? page.getAttribute("data-" + name) : null;
    return value || fallback;
  }
  var pageLang = pageSetting("lang", document.documentElement.lang || "cs");
  var pageZone = pageSetting("time-zone", undefined);

  /**
   * A date formatted as the server formats it: `pattern` is the page language's Django
   * format (DATE_FORMAT or DATETIME_FORMAT); Intl.DateTimeFormat supplies the numbers and
   * month names in the page language and the deployment's time zone.
   */
  function formatWith(pattern, value) {
    var date = value instanceof Date ? value : new Date(value);
    if (isNaN(date.getTime())) return "";
    var parts = {};
    var options = { year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit",
      second: "2-digit", hourCycle: "h23" };
    if (pageZone) options.timeZone = pageZone;
    new Intl.DateTimeFormat(pageLang, options).formatToParts(date).forEach(function (p) { parts[p.type] = p.value; });
    var monthOptions = { month: "short" };
    if (pageZone) monthOptions.timeZone = pageZone;
    var monthName = new Intl.DateTimeFormat(pageLang, monthOptions).format(date).replace(/\.$/, "");
    function two(n) { return ("0" + String(Number(n))).slice(-2); }
    var tokens = {
      j: String(Number(parts.day)), d: two(parts.day), n: String(Number(parts.month)), m: two(parts.month),
      Y: parts.year, G: String(Number(parts.hour)), H: two(parts.hour), i: two(parts.minute), s: two(parts.second),
      M: monthName,
    };
    var out = "";
    for (var k = 0; k < pattern.length; k += 1) {
      var c = pattern.charAt(k);
      if (c === "\\" && k + 1 < pattern.length) { k += 1; out += pattern.charAt(k); }
      else out += Object.prototype.hasOwnProperty.call(tokens, c) ? tokens[c] : c;
    }
    return out;
  }
  function formatDate(value) { return formatWith(pageSetting("date-format", "Y-m-d"), value); }
  function formatDateTime(value) { return formatWith(pageSetting("datetime-format", "Y-m-d H:i"), value); }

  /** Leaflet's own words (zoom buttons, attribution, popup close, marker) in the page language. */
  function translateMapLibrary(map) {
    if (map.zoomControl) {
      map.removeControl(map.zoomControl);
      map.zoomControl = L.control.zoom({
        zoomInTitle: pageSetting("zoom-in", "Zoom in"),
        zoomOutTitle: pageSetting("zoom-out", "Zoom out"),
      }).addTo(map);
    }
    if (map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="' +
        escapeHtml(pageSetting("map-library", "")) + '">Leaflet</a>');
    }
    L.Marker.prototype.options.alt = pageSetting("marker", L.Marker.prototype.options.alt);
    map.on("popupopen", function (e) {
      var close = e.popup.getElement() && e.popup.getElement().querySelector(".leaflet-popup-close-button");
      if (close) close.setAttribute("aria-label", pageSetting("close-popup", "Close"));
    });
  }

  function escapeHtml(value) {
    return String(value == null ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /**
   * A DOM element built without HTML parsing: attributes are set with setAttribute and
   * children are nodes or strings (added as text nodes). Hand these to Leaflet
   * (bindTooltip, bindPopup, setContent, divIcon html) instead of strings, which Leaflet
   * would insert as HTML. `attrs.style` may be an object of CSS properties (set through the
   * CSSOM, so the Content-Security-Policy allows it).
   */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value == null || value === false) return;
      if (name === "style" && typeof value === "object") {
        Object.keys(value).forEach(function (prop) { node.style.setProperty(prop, String(value[prop])); });
      } else if (name === "className") {
        node.className = String(value);
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (Array.isArray(children) ? children : [children]).forEach(function (child) {
      if (child == null || child === false) return;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  /** Remove every child of a node (instead of assigning an HTML string to innerHTML). */
  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function readConfig(id) {
    var el = document.getElementById(id);
    if (!el) return {};
    try { return JSON.parse(el.textContent); } catch (e) { return {}; }
  }

  /**
   * On a phone one finger scrolls the page and two fingers move and zoom the map (issue 9):
   * a map that pans under every swipe traps the page. Without Leaflet's one-finger dragging
   * the container's touch-action lets the browser scroll; Leaflet's pinch handler still pans
   * and zooms with two fingers. A one-finger swipe on the map shows a short hint.
   */
  var SMALL_TOUCH_SCREEN = "(pointer: coarse) and (max-width: 800px)";
  function scrollWithOneFinger(map, container) {
    if (!window.matchMedia || !window.matchMedia(SMALL_TOUCH_SCREEN).matches || !map.dragging) return;
    map.dragging.disable();
    container.setAttribute("data-touch", "two-fingers");
    var hint = null, timer = null;
    container.addEventListener("touchmove", function (event) {
      if (event.touches.length !== 1) {
        if (hint) hint.hidden = true;
        return;
      }
      if (!hint) {
        hint = document.createElement("div");
        hint.className = "map-touch-hint";
        hint.setAttribute("role", "status");
        hint.setAttribute("data-testid", "map-touch-hint");
        hint.textContent = t("Use two fingers to move the map.");
        container.parentNode.appendChild(hint);
      }
      hint.hidden = false;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { hint.hidden = true; }, 1500);
    }, { passive: true });
  }

  /**
   * A Leaflet map that works without tiles: when the tile server is unreachable (offline,
   * blocked, not configured) a notice appears and the plain background plus the district
   * outlines carry the map.
   */
  function createBaseMap(elementId, cfg, options) {
    options = options || {};
    var map = L.map(elementId, {
      center: options.center || cfg.center,
      zoom: options.zoom || cfg.zoom,
      zoomControl: true,
      keyboard: true,
      minZoom: 3,
      maxZoom: 19,
    });
    translateMapLibrary(map);
    var container = map.getContainer();
    scrollWithOneFinger(map, container);
    if (!container.getAttribute("aria-label")) container.setAttribute("aria-label", options.label || t("Map"));
    var notice = null;
    function showOffline() {
      container.classList.add("no-tiles");
      if (notice || options.quietOffline) return;
      notice = document.createElement("div");
      notice.className = "map-notice";
      notice.setAttribute("role", "status");
      notice.setAttribute("data-testid", "tiles-offline");
      notice.textContent = t("The base map is not available; districts and reports are still shown.");
      container.parentNode.appendChild(notice);
    }
    if (cfg.tileUrl) {
      var loaded = 0, failed = 0;
      // Leaflet inserts the attribution as HTML: it is operator configuration, shown as text.
      var tiles = L.tileLayer(cfg.tileUrl, { attribution: escapeHtml(cfg.tileAttribution || ""), maxZoom: 19, crossOrigin: false });
      tiles.on("tileload", function () { loaded += 1; if (notice) { notice.remove(); notice = null; container.classList.remove("no-tiles"); } });
      tiles.on("tileerror", function () { failed += 1; if (loaded === 0 && failed >= 2) showOffline(); });
      tiles.addTo(map);
      // A tile server that never answers fires no error; treat silence as offline.
      window.setTimeout(function () { if (loaded === 0) showOffline(); }, 6000);
    } else {
      showOffline();
    }
    if (options.districts !== false) addDistricts(map, cfg);
    return map;
  }

  var districtsPromise = null;
  function fetchDistricts(cfg) {
    if (!districtsPromise) {
      districtsPromise = fetch(cfg.districtsUrl, { headers: { Accept: "application/geo+json, application/json" } })
        .then(function (r) { if (!r.ok) throw new Error("districts " + r.status); return r.json(); })
        .catch(function () { districtsPromise = null; return null; });
    }
    return districtsPromise;
  }

  function addDistricts(map, cfg) {
    if (!cfg.districtsUrl) return;
    fetchDistricts(cfg).then(function (data) {
      if (!data || !data.features) return;
      var layer = L.geoJSON(data, {
        interactive: false,
        style: function () { return { color: "#12355b", weight: 2, opacity: 0.8, fill: true, fillColor: "#12355b", fillOpacity: 0.04 }; },
      });
      layer.addTo(map);
      layer.bringToBack();
      map.fire("straz:districts", { layer: layer, data: data });
    });
  }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { fn.apply(self, args); }, ms);
    };
  }

  // The language switcher submits on change (a <noscript> button covers no-JS).
  var lang = document.getElementById("lang-select");
  if (lang) lang.addEventListener("change", function () { lang.form.submit(); });

  window.Straz = {
    t: t, escapeHtml: escapeHtml, el: el, clear: clear, readConfig: readConfig, createBaseMap: createBaseMap,
    fetchDistricts: fetchDistricts, csrfToken: csrfToken, debounce: debounce,
    formatDate: formatDate, formatDateTime: formatDateTime, lang: pageLang,
  };
})();
