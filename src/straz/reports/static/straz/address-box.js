/* An address box: an ARIA combobox (aria-autocomplete="list") that asks /api/v1/addresses
 * as the person types (debounced), with arrow keys, Enter and Escape. Options are DOM nodes
 * built with Straz.el, never HTML strings. Used by the find-your-district page and the
 * report form; each gives `onChoose(result)`. */
(function () {
  "use strict";
  var S = window.Straz;
  var counter = 0;

  /**
   * Make `input` a combobox over `list` (a <ul role="listbox">).
   * options: url (addresses API), fallbackUrl (gazetteer, asked when no address matches),
   * onChoose(result) with result = {label, lat, lon, district, officer}, status (live node).
   */
  function addressBox(input, list, options) {
    if (!input || !list) return null;
    counter += 1;
    var prefix = (list.id || "address-list-" + counter) + "-option-";
    if (!list.id) list.id = "address-list-" + counter;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("autocomplete", "off");
    list.setAttribute("role", "listbox");
    var items = [];
    var active = -1;
    var pending = null;
    var asked = "";

    function say(text) { if (options.status) options.status.textContent = text; }

    function close() {
      S.clear(list);
      items = [];
      active = -1;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
    }

    function choose(i) {
      var r = items[i];
      if (!r) return;
      input.value = r.label;
      asked = r.label;
      close();
      if (options.onChoose) options.onChoose(r);
    }

    function highlight(i) {
      var nodes = list.querySelectorAll("li[role=option]:not([aria-disabled])");
      nodes.forEach(function (n, k) { n.setAttribute("aria-selected", k === i ? "true" : "false"); });
      active = i;
      if (nodes[i]) {
        input.setAttribute("aria-activedescendant", nodes[i].id);
        if (nodes[i].scrollIntoView) nodes[i].scrollIntoView({ block: "nearest" });
      }
    }

    function show(results) {
      S.clear(list);
      items = results;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!items.length) {
        list.appendChild(S.el("li", { role: "option", "aria-disabled": "true", "aria-selected": "false" },
          S.t("No matching addresses.")));
        say(S.t("No matching addresses."));
      } else {
        say(S.t("Addresses found: %(count)s. Use the arrow keys to choose one.", { count: items.length }));
      }
      items.forEach(function (r, i) {
        var detail = r.district ? S.el("span", { className: "help" }, " — " + S.t("Police district") + ": " + r.district.name) : null;
        var li = S.el("li", { id: prefix + i, role: "option", "aria-selected": "false", "data-testid": "address-option" },
          [r.label, detail]);
        // mousedown, not click: the input must not lose the choice to its blur.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        list.appendChild(li);
      });
      input.setAttribute("aria-expanded", "true");
    }

    function getJson(url) {
      if (pending) pending.abort();
      pending = window.AbortController ? new AbortController() : null;
      return fetch(url, { signal: pending ? pending.signal : undefined, headers: { Accept: "application/json" } })
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); });
    }

    var search = S.debounce(function () {
      var q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (q.length < 3) { close(); return; }
      getJson(options.url + "?limit=8&q=" + encodeURIComponent(q))
        .then(function (found) {
          if (found.length || !options.fallbackUrl) return found;
          return getJson(options.fallbackUrl + "?q=" + encodeURIComponent(q)).then(function (places) {
            return places.map(function (p) {
              return { label: p.name, lat: p.lat, lon: p.lon, district: p.district ? { name: p.district } : null };
            });
          });
        })
        .then(function (found) { if (input.value.trim() === q) show(found); })
        .catch(function () {});
    }, 200);

    input.addEventListener("input", search);
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { close(); return; }
      if (!items.length) {
        if (e.key === "ArrowDown") { asked = ""; search(); }
        return;
      }
      if (e.key === "ArrowDown") { e.preventDefault(); highlight(active + 1 >= items.length ? 0 : active + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); highlight(active <= 0 ? items.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(active); }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
    return { close: close };
  }

  S.addressBox = addressBox;
})();
