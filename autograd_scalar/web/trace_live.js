// A live trace page: edit an input and the whole forward and backward pass
// runs again in the page (agsRecompute, from the derivative table's
// JavaScript). The new numbers go into the drawing, the step records (so the
// current step's equation and a clicked node's show them) and the forward
// list. The words are the Python trace's (equation heads, forward-line
// parts); only numbers are written here (agsNumbers).
var agsLiveStart = window.agsLiveStart || (function () {
  var agsNumber = agsNumbers.number, agsFactor = agsNumbers.factor, agsEquation = agsNumbers.equation;
  function Live(trace) {
    var self = this, live = trace.data.live, root = trace.root;
    this.trace = trace; this.live = live; this.graph = live.graph;
    this.n = live.graph.nodes.length;
    this.recorded = {}; this.values = {}; this.rows = {};
    live.inputs.forEach(function (i) { self.recorded[i] = self.values[i] = live.graph.nodes[i].data; });
    root.querySelectorAll(".ags-input").forEach(function (row) {
      self.rows[row.getAttribute("data-node")] = {
        field: row.querySelector(".ags-input-value"), slider: row.querySelector(".ags-input-slider"),
        grad: row.querySelector(".ags-num")};
    });
    // Where each child uses the step's node: ∂v_j/∂v_i sums over those positions.
    var S = trace.F.step, T = trace.F.term;
    this.positions = trace.data.steps.map(function (step) {
      return step[S.terms].map(function (term) {
        var at = [];
        live.graph.nodes[term[T.consumer]].parents.forEach(function (p, k) {
          if (p === step[S.node]) at.push(k);
        });
        return at;
      });
    });
    this.out = root.querySelector(".ags-live-out .ags-num");
    this.nudgeBox = root.querySelector(".ags-nudge");
    this.errorBox = root.querySelector(".ags-live-error");
    this.errorLayer = document.createElementNS("http://www.w3.org/2000/svg", "g");
    trace.layer.appendChild(this.errorLayer);
    this.state = agsRecompute(this.graph, {});
    this.bind();
  }

  Live.prototype.bind = function () {
    var self = this, root = this.trace.root;
    Object.keys(this.rows).forEach(function (i) {
      var row = self.rows[i];
      row.field.addEventListener("input", function () {
        var v = row.field.value === "" ? NaN : Number(row.field.value);
        row.field.setAttribute("aria-invalid", isFinite(v) ? "false" : "true");
        if (isFinite(v)) self.edit(single(i, v), "edit", row.field);
      });
      row.slider.addEventListener("input", function () {
        self.edit(single(i, Number(row.slider.value)), "edit", row.slider);
      });
    });
    root.querySelector(".ags-gstep").addEventListener("click", function () { self.step(); });
    root.querySelector(".ags-reset").addEventListener("click", function () {
      self.edit(Object.assign({}, self.recorded), "reset", null);
    });
  };
  function single(i, v) { var change = {}; change[i] = v; return change; }

  // x <- x - lr·∂root/∂x for every input, with the gradients now shown.
  Live.prototype.step = function () {
    var self = this, lr = Number(this.trace.root.querySelector(".ags-lr").value), change = {};
    if (this.state.error || !isFinite(lr)) {
      this.nudgeBox.textContent = this.state.error ? "No gradient step: the gradients are unknown."
          : "No gradient step: the learning rate is not a number.";
      return;
    }
    var off = null;
    this.live.inputs.forEach(function (i) {
      change[i] = self.values[i] - lr * self.state.grad[i];
      if (!isFinite(change[i]) && off === null) off = i;
    });
    if (off !== null) {  // an input field holds finite numbers only
      this.nudgeBox.textContent = "No gradient step: it would take " + this.trace.nodeName(off) +
          " to " + agsNumber(change[off]) + ".";
      return;
    }
    this.edit(change, "step", null, lr);
  };

  Live.prototype.edit = function (change, kind, source, lr) {
    var self = this, before = this.state, old = Object.assign({}, this.values);
    Object.keys(change).forEach(function (i) {
      self.values[i] = change[i];
      var row = self.rows[i];
      if (row.field !== source) row.field.value = agsNumber(change[i]);  // the full value stays in values
      if (row.slider !== source) {
        if (change[i] < Number(row.slider.min)) row.slider.min = String(change[i]);
        if (change[i] > Number(row.slider.max)) row.slider.max = String(change[i]);
        row.slider.value = String(change[i]);
      }
    });
    this.state = agsRecompute(this.graph, this.values);
    if (this.state.error) this.showError(); else this.apply();
    this.nudge(before, old, Object.keys(change), kind, lr);
  };

  // -- writing the numbers in ------------------------------------------------------
  // A live page's forward line: the Python words around the new value.
  Live.prototype.forwardLine = function (i, value) {
    var line = this.live.forward[i], L = this.trace.F.forward;
    return line[L.before] + value + line[L.after];
  };

  Live.prototype.apply = function () {
    var self = this, trace = this.trace, data = trace.data, live = this.live, st = this.state;
    var N = trace.F.node, S = trace.F.step, T = trace.F.term, words = data.words;
    this.clearError();
    data.nodes.forEach(function (node, i) {
      node[N.forward] = self.forwardLine(i, agsNumber(st.data[i]));
      var view = trace.nodes[i];
      if (view.value) trace.setText(view.value, words.data + agsNumber(st.data[i]));
      if (view.grad) view.final = words.grad + agsNumber(st.grad[i]);
    });
    data.steps.forEach(function (step, s) {
      var i = step[S.node], numbers = [];
      step[S.terms].forEach(function (term, t) {
        var j = term[T.consumer], local = 0;
        self.positions[s][t].forEach(function (k) { local += st.local[j][k]; });
        term[T.local] = agsNumber(local); term[T.consumer_grad] = agsNumber(st.grad[j]);
        term[T.product] = agsNumber(local * st.grad[j]);
        numbers.push([st.grad[j], local]);
      });
      step[S.grad] = agsNumber(st.grad[i]);
      step[S.equation] = agsEquation(live.heads[s], numbers, st.grad[i]);
    });
    this.readouts(st.data[this.n - 1], st.grad);
    this.finish();
  };

  Live.prototype.finish = function () {
    var N = this.trace.F.node;
    this.trace.root.querySelector(".ags-forward pre").textContent =
        this.trace.data.nodes.map(function (node) { return node[N.forward]; }).join("\n");
    this.trace.refresh();
  };

  Live.prototype.readouts = function (output, grad) {
    var self = this;
    this.out.textContent = output === undefined ? "?" : agsNumber(output);
    Object.keys(this.rows).forEach(function (i) {
      self.rows[i].grad.textContent = grad ? agsNumber(grad[i]) : "?";
    });
  };

  // -- a domain error: said on its node; later values and every gradient unknown ----
  Live.prototype.showError = function () {
    var self = this, trace = this.trace, data = trace.data, live = this.live, st = this.state, e = st.error;
    var N = trace.F.node, S = trace.F.step, T = trace.F.term, words = data.words;
    data.nodes.forEach(function (node, i) {
      var text = i < st.data.length ? agsNumber(st.data[i]) : "?", view = trace.nodes[i];
      node[N.forward] = self.forwardLine(i, text);
      if (view.value) trace.setText(view.value, words.data + text);
      if (view.grad) view.final = words.unknown;
    });
    data.steps.forEach(function (step, s) {
      step[S.grad] = "?"; step[S.equation] = live.heads[s] + " = ?";
      step[S.terms].forEach(function (term) { term[T.local] = term[T.consumer_grad] = term[T.product] = "?"; });
    });
    this.clearError();
    var name = trace.nodeName(e.node), g = trace.nodes[e.node].g;
    this.errorBox.textContent = "Cannot compute " + name + ": " + e.message +
        ". The values after it and every gradient are unknown until an input changes.";
    if (g) {
      g.classList.add("ags-error");
      var box = g.getBBox(), text = document.createElementNS("http://www.w3.org/2000/svg", "text");
      text.setAttribute("x", box.x + box.width / 2); text.setAttribute("y", box.y - 5);
      text.setAttribute("text-anchor", "middle"); text.setAttribute("class", "ags-error-text");
      text.textContent = e.message;
      this.errorLayer.appendChild(text);
    }
    this.readouts(undefined, null);
    this.finish();
  };

  Live.prototype.clearError = function () {
    this.errorBox.textContent = "";
    while (this.errorLayer.firstChild) this.errorLayer.removeChild(this.errorLayer.firstChild);
    this.trace.root.querySelectorAll(".ags-error").forEach(function (g) { g.classList.remove("ags-error"); });
  };

  // -- the nudge readout: Δoutput against Σ ∂root/∂x·Δx of the edit ----------------
  Live.prototype.nudge = function (before, old, changed, kind, lr) {
    var self = this, st = this.state, root = this.live.root, trace = this.trace;
    if (kind === "reset") {
      this.nudgeBox.textContent = "Back to the recorded values.";
      return;
    }
    if (before.error || st.error) {
      this.nudgeBox.textContent = "\u0394" + root + " unknown: a value could not be computed.";
      return;
    }
    var predicted = 0, moved = changed.filter(function (i) { return self.values[i] !== old[i]; });
    moved.forEach(function (i) { predicted += before.grad[i] * (self.values[i] - old[i]); });
    var actual = st.data[this.n - 1] - before.data[this.n - 1], what;
    if (kind === "step") {
      what = "Gradient step (lr " + agsNumber(lr) + ") on " + moved.length + " input" +
          (moved.length === 1 ? "" : "s") + ": \u0394" + root + " = " + agsNumber(actual) +
          ", \u03a3 \u2202" + root + "/\u2202x\u00b7\u0394x = " + agsNumber(predicted);
    } else if (moved.length === 1) {
      var i = moved[0], x = trace.nodeName(i), dx = self.values[i] - old[i], xName = trace.derivativeName(i);
      what = "Nudge " + x + " by " + (dx > 0 ? "+" : "") + agsNumber(dx) + " (" + agsNumber(old[i]) +
          " \u2192 " + agsNumber(self.values[i]) + "): \u0394" + root + " = " + agsNumber(actual) +
          ", \u2202" + root + "/\u2202" + xName + "\u00b7\u0394" + xName + " = " + agsFactor(before.grad[i]) +
          "\u00b7" + agsFactor(dx) + " = " + agsNumber(predicted);
    } else {
      return;
    }
    this.nudgeBox.textContent = what + (moved.length ? " (the linear prediction; they differ by " +
        agsNumber(actual - predicted) + ")" : "");
  };

  return function (trace) { return new Live(trace); };
})();
