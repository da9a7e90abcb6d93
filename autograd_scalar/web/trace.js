// The step-through backward trace: one drawing, one JSON record per step.
// Stepping only changes CSS classes and a few text nodes, so a step costs the
// same on a 10-node and a 1,000-node graph. Everything is scoped to one
// fragment (several traces can share a notebook). The keys go to the trace
// last clicked (or focused), and only until something outside it is clicked:
// they are read on the window before Jupyter's own shortcuts see them (both
// JupyterLab and Notebook 7 handle keys on the document), and never taken
// from a text field, a code cell's editor, or the page outside a trace.
// The records (data.nodes, data.steps and their terms) are read by field name
// through the schema the page carries (trace/records.py, agsData.fields): F.node.name.
var agsTrace = window.agsTrace || (function () {
  var traces = [], armed = null;

  function traceOf(el) {
    var root = el && el.closest ? el.closest(".ags-trace") : null;
    for (var i = 0; i < traces.length; i++) { if (traces[i].root === root) return traces[i]; }
    return null;
  }
  function arm(e) { armed = traceOf(e.target); }
  window.addEventListener("pointerdown", arm, true);
  window.addEventListener("focusin", function (e) { if (!traceOf(e.target) && e.target !== document.body) armed = null; }, true);

  window.addEventListener("keydown", function (e) {
    var t = traceOf(e.target) || armed, target = e.target || {}, tag = target.tagName || "";
    if (!t || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
    if ((/^(INPUT|TEXTAREA|SELECT)$/.test(tag) || target.isContentEditable) && target !== t.slider) return;
    if (target === t.slider && /^Arrow/.test(e.key)) return; // the slider moves itself
    var keys = {ArrowLeft: -1, ArrowRight: 1};
    if (e.key in keys) t.show(t.k + keys[e.key]);
    else if (e.key === "+" || e.key === "=") t.zoom(1 / 1.25);
    else if (e.key === "-" || e.key === "\u2212") t.zoom(1.25);
    else return;
    e.preventDefault();
    e.stopPropagation();  // a key the trace used is not also a notebook shortcut
  }, true);

  // Printing shows the finished pass: the drawing whole, with every v̄, and
  // every step's equation (trace.css); the page comes back as it was.
  window.addEventListener("beforeprint", function () {
    traces.forEach(function (t) { t.printing = t.k; t.finished(); });
  });
  window.addEventListener("afterprint", function () {
    traces.forEach(function (t) { if (t.printing != null) { t.show(t.printing); t.printing = null; } });
  });

  function svgText(doc, x, y, text) {
    var el = doc.createElementNS("http://www.w3.org/2000/svg", "text");
    el.setAttribute("x", x); el.setAttribute("y", y);
    el.setAttribute("text-anchor", "middle"); el.setAttribute("class", "ags-local");
    el.textContent = text;
    return el;
  }

  function Trace(root) {
    var self = this, data = agsData(root.querySelector(".ags-data")), N;
    this.root = root; this.data = data; this.k = 0;
    this.F = agsData.fields(data.fields); N = this.F.node;
    this.slider = root.querySelector(".ags-slider");
    this.viewport = root.querySelector(".ags-viewport");
    this.svg = agsInlinePicture(this.viewport.querySelector("img.ags-picture")) ||
        this.viewport.querySelector("svg");
    this.layer = this.svg.querySelector("g.graph") || this.svg;
    this.labels = document.createElementNS("http://www.w3.org/2000/svg", "g");
    this.layer.appendChild(this.labels);
    this.byId = {};
    // A value's data and grad fields carry their own classes (viz.graph writes them).
    this.nodes = data.nodes.map(function (n, i) {
      var g = document.getElementById(n[N.id]), grad = null, value = null;
      if (g) {
        self.byId[n[N.id]] = i;
        grad = g.querySelector("text.ags-grad-field");
        value = g.querySelector("text.ags-data-field");
      }
      if (n[N.op_id]) self.byId[n[N.op_id]] = i;
      return {g: g, grad: grad, value: value, shown: grad && grad.textContent,
              final: grad && grad.textContent.trim()};
    });
    var box = this.svg.viewBox.baseVal;
    this.bounds = {x: box.x, y: box.y, w: box.width, h: box.height};
    this.svg.removeAttribute("width"); this.svg.removeAttribute("height");
    // A small graph gets a small viewport; a large one most of the window.
    this.viewport.style.height = Math.round(Math.min(0.7 * window.innerHeight,
        Math.max(220, box.height * 1.34 + 24))) + "px";
    this.lit = [];
    // The parts that need this script are hidden inline (an untrusted notebook's
    // sanitiser drops the page's <style> but keeps style=""): shown now, trace.css decides.
    root.querySelectorAll("[data-ags-scripted]").forEach(function (el) { el.style.removeProperty("display"); });
    root.classList.add("ags-js");
    if (data.live) this.measure();
    this.bind();
    this.show(0);
    this.initialView();
    if (data.live && window.agsLiveStart) agsLiveStart(this);
  }

  Trace.prototype.bind = function () {
    var self = this, root = this.root;
    root.querySelector(".ags-prev").addEventListener("click", function () { self.show(self.k - 1); });
    root.querySelector(".ags-next").addEventListener("click", function () { self.show(self.k + 1); });
    root.querySelector(".ags-zoom-in").addEventListener("click", function () { self.zoom(1 / 1.25); });
    root.querySelector(".ags-zoom-out").addEventListener("click", function () { self.zoom(1.25); });
    root.querySelector(".ags-fit").addEventListener("click", function () { self.fit(); });
    this.slider.addEventListener("input", function () { self.show(parseInt(self.slider.value, 10)); });
    this.viewport.addEventListener("wheel", function (e) {
      e.preventDefault();
      self.zoom(Math.pow(1.0015, e.deltaY), self.toGraph(e.clientX, e.clientY));
    }, {passive: false});
    this.bindDrag();
  };

  Trace.prototype.bindDrag = function () {
    var self = this, vp = this.viewport, start = null, moved = false;
    vp.addEventListener("pointerdown", function (e) {
      if (e.button !== 0) return;
      start = {x: e.clientX, y: e.clientY, view: Object.assign({}, self.view)}; moved = false;
    });
    vp.addEventListener("pointermove", function (e) {
      if (!start) return;
      var dx = e.clientX - start.x, dy = e.clientY - start.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!moved) { moved = true; vp.classList.add("ags-dragging"); vp.setPointerCapture(e.pointerId); }
      var s = start.view.w / vp.clientWidth;
      self.setView({x: start.view.x - dx * s, y: start.view.y - dy * s, w: start.view.w, h: start.view.h});
    });
    function end(e) {
      if (start && !moved) self.pick(e.target);
      start = null; vp.classList.remove("ags-dragging");
    }
    vp.addEventListener("pointerup", end);
    vp.addEventListener("pointercancel", function () { start = null; vp.classList.remove("ags-dragging"); });
  };

  // -- the view: a viewBox kept at the viewport's aspect ratio ---------------------
  Trace.prototype.setView = function (v) {
    this.view = v;
    this.svg.setAttribute("viewBox", [v.x, v.y, v.w, v.h].join(" "));
  };
  Trace.prototype.aspect = function () {
    return (this.viewport.clientHeight || 1) / (this.viewport.clientWidth || 1);
  };
  Trace.prototype.fit = function () {
    var b = this.bounds, a = this.aspect(), w = Math.max(b.w, b.h / a);
    this.setView({x: b.x + (b.w - w) / 2, y: b.y + (b.h - w * a) / 2, w: w, h: w * a});
  };
  Trace.prototype.toGraph = function (cx, cy) {
    var r = this.viewport.getBoundingClientRect(), v = this.view;
    return {x: v.x + (cx - r.left) / r.width * v.w, y: v.y + (cy - r.top) / r.height * v.h};
  };
  Trace.prototype.zoom = function (factor, at) {
    var v = this.view, p = at || {x: v.x + v.w / 2, y: v.y + v.h / 2};
    var w = Math.min(Math.max(v.w * factor, 20), Math.max(this.bounds.w, this.bounds.h) * 4);
    var f = w / v.w;
    this.setView({x: p.x - (p.x - v.x) * f, y: p.y - (p.y - v.y) * f, w: w, h: v.h * f});
  };
  Trace.prototype.initialView = function () {
    this.fit();
    // Text smaller than ~0.6 of its size is unreadable: start at full size on the output.
    if (this.view.w / (this.viewport.clientWidth || 1) > 1.6) {
      var a = this.aspect(), w = this.viewport.clientWidth * 1.1;
      this.setView({x: 0, y: 0, w: w, h: w * a});
      this.keepInView(this.nodes[this.data.steps[this.k][this.F.step.node]].g, true);
    }
  };
  Trace.prototype.keepInView = function (g, center) {
    if (!g || !this.view) return;
    var r = g.getBoundingClientRect(), vp = this.viewport.getBoundingClientRect();
    var inside = r.left >= vp.left && r.right <= vp.right && r.top >= vp.top && r.bottom <= vp.bottom;
    if (inside && !center) return;
    var c = this.toGraph((r.left + r.right) / 2, (r.top + r.bottom) / 2), v = this.view;
    this.setView({x: c.x - v.w / 2, y: c.y - v.h / 2, w: v.w, h: v.h});
  };

  // -- the numbers in the drawing --------------------------------------------------
  // A live page writes new numbers into fields laid out for the recorded ones:
  // a longer number is squeezed into its field rather than over the box's edge.
  // The room is the padded field's (the padding reserved it); the text itself
  // is unpadded, as all numbers written later. All writes, then all reads: one layout.
  Trace.prototype.measure = function () {
    var texts = [];
    this.nodes.forEach(function (node) {
      [node.value, node.grad].forEach(function (el) {
        if (!el) return;
        var padded = el.textContent.length;
        el.textContent = el.textContent.trim();
        texts.push({el: el, pad: padded - el.textContent.length});
      });
    });
    texts.forEach(function (text) {
      var el = text.el, width = el.getComputedTextLength(), perChar = width / el.textContent.length;
      el.agsFit = {perChar: perChar, room: width + text.pad * perChar + 10};
    });
  };
  Trace.prototype.setText = function (el, text) {
    el.textContent = text;
    var fit = el.agsFit;
    if (fit && text.length * fit.perChar > fit.room) {
      el.setAttribute("textLength", fit.room); el.setAttribute("lengthAdjust", "spacingAndGlyphs");
    } else if (fit) {
      el.removeAttribute("textLength");
    }
  };

  // -- stepping -----------------------------------------------------------------
  Trace.prototype.mark = function (el, cls) {
    if (el) { el.classList.add(cls); this.lit.push({el: el, cls: cls}); }
  };
  Trace.prototype.unmark = function () {
    this.lit.forEach(function (mark) { mark.el.classList.remove(mark.cls); });
    this.lit = [];
    while (this.labels.firstChild) this.labels.removeChild(this.labels.firstChild);
  };
  // A node record's name, and the name as it reads after ∂ and Δ: Python wrote
  // the wrapped one, ∂(exp(x)*0 + y)/∂x (names.derivative_name), where it differs.
  Trace.prototype.nodeName = function (i) { return this.data.nodes[i][this.F.node.name]; };
  Trace.prototype.derivativeName = function (i) {
    return this.data.nodes[i][this.F.node.derivative] || this.nodeName(i);
  };
  Trace.prototype.show = function (i) {
    var self = this, steps = this.data.steps, nodes = this.nodes, S = this.F.step, T = this.F.term;
    // A practice page reveals steps up to t.limit only (practice.js moves it).
    var last = this.limit == null ? steps.length - 1 : this.limit;
    this.k = Math.max(0, Math.min(last, i));
    var step = steps[this.k];
    this.unmark();
    for (var s = 0; s < steps.length; s++) {
      var node = nodes[steps[s][S.node]], text = s <= this.k ? node.final : this.data.words.unknown;
      if (s < this.k) this.mark(node.g, "ags-done");
      if (node.grad && node.shown !== text) { this.setText(node.grad, text); node.shown = text; }
    }
    step[S.terms].forEach(function (term) { self.mark(nodes[term[T.consumer]].g, "ags-consumer"); });
    this.mark(nodes[step[S.node]].g, "ags-current");
    step[S.edges].forEach(function (id, t) {
      var edge = document.getElementById(id);
      self.mark(edge, "ags-term");
      var path = edge && edge.querySelector("path");
      if (path && path.getTotalLength) {
        var p = path.getPointAtLength(path.getTotalLength() / 2);
        // The value only: the side panel spells out ∂v_j/∂v_i, and long names would
        // cover the nodes at either end of a short edge.
        self.labels.appendChild(svgText(document, p.x, p.y - 4, "\u2202 = " + step[S.terms][t][T.local]));
      }
    });
    this.slider.value = String(this.k);
    this.root.querySelector(".ags-pos").textContent =
        "step " + (this.k + 1) + " of " + steps.length + ": node " + this.nodeName(step[S.node]);
    this.describe(step);
    this.keepInView(nodes[step[S.node]].g, false);
    if (this.data.alive) showAlive(this.root, this.data.alive, this.k);
  };

  Trace.prototype.finished = function () {
    var self = this;
    this.unmark();
    this.nodes.forEach(function (node) {
      if (node.grad && node.shown !== node.final) { self.setText(node.grad, node.final); node.shown = node.final; }
    });
    this.root.querySelectorAll("details.ags-forward").forEach(function (d) { d.open = true; });
    this.fit();
  };
  // A checkpointed graph's memory curve: the count and the marker at this step.
  function showAlive(root, alive, k) {
    var count = root.querySelector(".ags-memory-count"), at = root.querySelector(".ags-memory-at");
    if (count) count.textContent = "nodes alive: " + alive[k].toLocaleString("en");
    var x = String(200 * k / Math.max(alive.length - 1, 1));
    if (at) { at.setAttribute("x1", x); at.setAttribute("x2", x); }
  }

  // -- the side panel -----------------------------------------------------------
  function termItems(t, step, list) {
    var N = t.F.node, S = t.F.step, T = t.F.term, name = t.derivativeName(step[S.node]);
    list.textContent = "";
    step[S.terms].forEach(function (term) {
      var j = term[T.consumer], li = document.createElement("li");
      li.textContent = t.data.nodes[j][N.forward] + ": \u2202" + t.derivativeName(j) + "/\u2202" + name +
          " = " + term[T.local] + " (" + term[T.rule] + "), " + t.data.bar + "[" + t.nodeName(j) + "] = " +
          term[T.consumer_grad] + ", term = " + term[T.product];
      list.appendChild(li);
    });
  }
  Trace.prototype.describe = function (step) {
    var root = this.root, S = this.F.step, n = step[S.terms].length;
    root.querySelector(".ags-stepno").textContent = "Step " + (this.k + 1) + " of " +
        this.data.steps.length + ": node " + this.nodeName(step[S.node]) +
        (n ? " (" + n + (n > 1 ? " children" : " child") + " in Ch)" : " (output: v\u0304_N = 1)");
    root.querySelector(".ags-equation").textContent = step[S.equation];
    termItems(this, step, root.querySelector(".ags-terms"));
  };
  // After the numbers in data changed (a live page's edit): the same step, the same pick.
  Trace.prototype.refresh = function () {
    this.show(this.k);
    if (this.picked) this.pick(this.picked);
  };
  Trace.prototype.pick = function (target) {
    var g = target && target.closest ? target.closest("g.node") : null;
    var box = this.root.querySelector(".ags-inspect");
    if (!g || !(g.id in this.byId)) return;
    this.picked = g;
    var i = this.byId[g.id], node = this.data.nodes[i], N = this.F.node, at = node[N.step];
    this.root.querySelectorAll(".ags-picked").forEach(function (el) { el.classList.remove("ags-picked"); });
    (this.nodes[i].g || g).classList.add("ags-picked");
    box.textContent = "";
    var head = document.createElement("div"), formula = document.createElement("div");
    head.innerHTML = "<b></b> <span></span>"; head.firstChild.textContent = node[N.name];
    head.lastChild.textContent = at >= 0 ? "(clicked; its v\u0304 is step " + (at + 1) +
        " of " + this.data.steps.length + ")" : "(clicked; not in the backward pass)";
    formula.className = "ags-formula"; formula.textContent = "forward: " + node[N.forward];
    box.appendChild(head); box.appendChild(formula);
    if (at >= 0 && this.limit != null && at > this.limit) {
      head.lastChild.textContent = "(clicked; not reached yet)";
    } else if (at >= 0) {
      var step = this.data.steps[at], eq = document.createElement("div");
      var list = document.createElement("ul");
      eq.className = "ags-equation"; eq.textContent = step[this.F.step.equation];
      list.className = "ags-terms"; termItems(this, step, list);
      box.appendChild(eq); box.appendChild(list);
    }
  };

  function start(root) {
    if (!root || root.getAttribute("data-ags-started")) return;
    root.setAttribute("data-ags-started", "1");
    var t = new Trace(root);
    traces.push(t);
    // A page that is just this trace (save_html) takes the keys straight away.
    if (!armed && root.parentElement === document.body) armed = t;
    if (root.querySelector(".ags-practice") && window.agsPracticeStart) agsPracticeStart(t);
    if (window.agsShareStart) agsShareStart(t);
  }

  return {start: start};
})();
