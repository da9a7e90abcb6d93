/* The network view's behaviour: click (or Enter on) a neuron to show its scalar
   graph in the panel. Every view on a page has its own root element and data,
   so several views can share a notebook. agsNetwork.init(root) wires one
   view; the training explorer also calls agsNetwork.apply to restyle a view. */
var agsNetwork = window.agsNetwork || (function () {
  "use strict";

  function show(root, unit) {
    var panel = root.querySelector(".ags-net-panel");
    var info = root.agsUnits[unit.getAttribute("data-unit")];
    root.querySelectorAll(".ags-unit.ags-selected").forEach(function (u) {
      u.classList.remove("ags-selected");
    });
    unit.classList.add("ags-selected");
    panel.querySelector(".ags-net-title").textContent = info.name;
    var list = panel.querySelector(".ags-net-lines");
    list.textContent = "";
    info.lines.forEach(function (line) {
      var item = document.createElement("li");
      item.textContent = line;
      list.appendChild(item);
    });
    // The graph is SVG rendered by the package (Graphviz, labels escaped).
    panel.querySelector(".ags-net-graph").innerHTML = info.svg;
    // The panel opens on the side away from the neuron, which stays visible.
    var box = unit.getBoundingClientRect(), area = root.getBoundingClientRect();
    panel.classList.toggle("ags-left",
      box.left + box.width / 2 > area.left + area.width / 2);
    panel.hidden = false;
    // The panel floats over the picture; a graph taller than the picture makes
    // the view taller, so the whole graph shows (nothing clipped at the bottom).
    root.style.minHeight = "";
    root.style.minHeight = Math.ceil(panel.offsetTop + panel.scrollHeight + 8) + "px";
  }

  function init(root) {
    if (root.getAttribute("data-ags-ready")) { return; }
    root.setAttribute("data-ags-ready", "1");
    // The picture arrives as an image (every viewer shows it); the script needs the SVG.
    window.agsInlinePicture(root.querySelector(".ags-net-figure img.ags-picture"));
    // Kept on the root: a page that restyles the view (the explorer) updates it.
    root.agsUnits = agsData(root.querySelector("script.ags-net-data"));
    root.querySelectorAll(".ags-unit").forEach(function (unit) {
      unit.addEventListener("click", function () { show(root, unit); });
      unit.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          show(root, unit);
        }
      });
    });
    root.querySelector(".ags-net-close").addEventListener("click", function () {
      root.querySelector(".ags-net-panel").hidden = true;
      root.style.minHeight = "";
    });
  }

  function short(x) {
    var text = isNaN(x) ? "nan" : !isFinite(x) ? (x > 0 ? "inf" : "-inf")
      : Number(x.toPrecision(3)).toString();
    return text.replace("-", "\u2212");
  }

  // How a class looks is the view's style (network_view.LOOKS, also the SVG's
  // attributes): restyling a unit or a weight only switches its classes.
  function restyleUnit(unit, dead, a, g) {
    unit.classList.toggle("ags-dead", dead);
    var aText = unit.querySelector(".ags-a"), gText = unit.querySelector(".ags-g");
    if (aText && a !== undefined) { aText.textContent = "a " + short(a); }
    if (gText && g !== undefined) { gText.textContent = "\u0101 " + short(g); }
  }

  // state: {weights[l][j][i], a[c][k], g[c][k], dead: {"c:k": true}} -- columns
  // count the inputs as 0; the lines are in parameter order, as Python wrote them.
  // A line's width is least + span * |w| / (largest finite |w|), full for a
  // weight that is not finite (a diverged run): network_view.weight_width.
  function apply(root, state) {
    var lines = root.querySelectorAll("line.ags-weight");
    var least = +root.getAttribute("data-width-least"), span = +root.getAttribute("data-width-span");
    var biggest = 0, n = 0;
    state.weights.forEach(function (layer) { layer.forEach(function (row) {
      row.forEach(function (w) { if (isFinite(w)) { biggest = Math.max(biggest, Math.abs(w)); } });
    }); });
    biggest = biggest || 1;
    state.weights.forEach(function (layer, l) { layer.forEach(function (row, j) {
      row.forEach(function (w, i) {
        var line = lines[n++], title = line.firstChild;
        line.classList.toggle("ags-positive", w >= 0);
        line.classList.toggle("ags-negative", !(w >= 0));
        line.classList.toggle("ags-faded", !!(state.dead[(l + 1) + ":" + j] || state.dead[l + ":" + i]));
        line.setAttribute("stroke-width", (isFinite(w) ? least + span * Math.abs(w) / biggest
          : least + span).toFixed(2));
        title.textContent = title.textContent.split(" = ")[0] + " = " + short(w);
      });
    }); });
    root.querySelectorAll(".ags-unit").forEach(function (unit) {
      var key = unit.getAttribute("data-unit"), ck = key.split(":");
      var c = +ck[0], k = +ck[1];
      restyleUnit(unit, !!state.dead[key], state.a && state.a[c][k], state.g && state.g[c][k]);
    });
  }

  return {init: init, apply: apply, show: show};
})();
