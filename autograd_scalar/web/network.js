/* The network view's behaviour: click (or Enter on) a neuron to show its scalar
   graph in the panel. Every view on a page has its own root element and data,
   so several views can share a notebook. window.agsNetwork.init(root) wires one
   view; the training explorer also calls agsNetwork.apply to restyle a view. */
(function () {
  "use strict";

  function show(root, units, unit) {
    var panel = root.querySelector(".ags-net-panel");
    var info = units[unit.getAttribute("data-unit")];
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
  }

  function init(root) {
    if (root.getAttribute("data-ags-ready")) { return; }
    root.setAttribute("data-ags-ready", "1");
    var units = JSON.parse(root.querySelector("script.ags-net-data").textContent);
    root.querySelectorAll(".ags-unit").forEach(function (unit) {
      unit.addEventListener("click", function () { show(root, units, unit); });
      unit.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          show(root, units, unit);
        }
      });
    });
    root.querySelector(".ags-net-close").addEventListener("click", function () {
      root.querySelector(".ags-net-panel").hidden = true;
    });
  }

  window.agsNetwork = window.agsNetwork || {};
  window.agsNetwork.init = init;
  document.querySelectorAll(".ags-network").forEach(init);
})();
