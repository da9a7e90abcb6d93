// Share links: a trace page keeps its state in the URL fragment, so a link
// opens the same step, the same clicked node, the same edited inputs and the
// same hidden panels:  page.html#step=3&node=b&a=2.5&hide=grads,equations
//   step     the step as the page counts it (1 = the output's)
//   node     the clicked node's name
//   hide     panels to hide: grads (every v-bar, for a class that predicts
//            them first), equations (the side panel and the step list),
//            controls (the toolbar and the live inputs' bar)
//   other    a live page's input, by its name: its edited value
// Only a page of its own writes its fragment (never a notebook's); the
// fragment belongs to the first trace on the page.
var agsShareStart = window.agsShareStart || (function () {
  var PANELS = {grads: "ags-hide-grads", equations: "ags-hide-equations", controls: "ags-hide-controls"};
  var claimed = false;

  function parse(hash) {
    var state = {inputs: {}, hide: []};
    hash.replace(/^#/, "").split("&").forEach(function (pair) {
      if (!pair) return;
      var at = pair.indexOf("="), key, value;
      try {
        key = decodeURIComponent(at < 0 ? pair : pair.slice(0, at));
        value = at < 0 ? "" : decodeURIComponent(pair.slice(at + 1));
      } catch (e) { return; }  // a malformed escape: that pair is ignored
      if (key === "step") state.step = parseInt(value, 10);
      else if (key === "node") state.node = value;
      else if (key === "hide") state.hide = value.split(",").filter(function (p) { return p in PANELS; });
      else state.inputs[key] = value;
    });
    return state;
  }

  function inputRows(t) {
    var rows = {};
    t.root.querySelectorAll(".ags-input").forEach(function (row) {
      rows[row.querySelector("label").textContent] = row.querySelector(".ags-input-value");
    });
    return rows;
  }

  function fragment(t) {
    var parts = ["step=" + (t.k + 1)], rows = inputRows(t);
    if (t.picked) parts.push("node=" + encodeURIComponent(t.nodeName(t.byId[t.picked.id])));
    Object.keys(rows).forEach(function (name) {
      var field = rows[name];
      if (field.value !== field.defaultValue) {
        parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(field.value));
      }
    });
    var hidden = Object.keys(PANELS).filter(function (p) { return t.root.classList.contains(PANELS[p]); });
    if (hidden.length) parts.push("hide=" + hidden.join(","));
    return "#" + parts.join("&");
  }

  function hideSwitch(t, write) {
    var label = document.createElement("label"), box = document.createElement("input");
    box.type = "checkbox"; box.className = "ags-hide-switch";
    box.checked = t.root.classList.contains(PANELS.grads);
    label.appendChild(box); label.appendChild(document.createTextNode(" hide gradients"));
    box.addEventListener("change", function () {
      t.root.classList.toggle(PANELS.grads, box.checked);
      write();
    });
    t.root.querySelector(".ags-toolbar").appendChild(label);
  }

  function apply(t, state) {
    var rows = inputRows(t);
    Object.keys(state.inputs).forEach(function (name) {
      var field = rows[name];
      if (!field || !isFinite(parseFloat(state.inputs[name]))) return;
      field.value = state.inputs[name];
      field.dispatchEvent(new Event("input", {bubbles: true}));
    });
    state.hide.forEach(function (p) { t.root.classList.add(PANELS[p]); });
    if (state.step >= 1) t.show(state.step - 1);
    if (state.node !== undefined) {
      t.nodes.forEach(function (node, i) {
        if (t.nodeName(i) === state.node && node.g) t.pick(node.g);
      });
    }
  }

  return function (t) {
    if (claimed) return;
    claimed = true;
    var own = t.root.parentElement === document.body, ready = false;
    function write() {
      if (own && ready && window.history && history.replaceState) {
        history.replaceState(null, "", fragment(t));
      }
    }
    apply(t, parse(window.location.hash || ""));
    hideSwitch(t, write);
    ["show", "pick"].forEach(function (method) {
      var original = t[method];
      t[method] = function () { var r = original.apply(t, arguments); write(); return r; };
    });
    t.root.addEventListener("input", function (e) {
      if (e.target.classList.contains("ags-input-value") || e.target.classList.contains("ags-input-slider")) write();
    });
    t.root.addEventListener("click", function (e) {
      if (e.target.classList.contains("ags-reset") || e.target.classList.contains("ags-gstep")) write();
    });
    window.addEventListener("hashchange", function () { apply(t, parse(window.location.hash)); });
    ready = true;
    write();
  };
})();
