/* The training explorer's model and trainer (no DOM): an MLP's forward and
   backward passes over the page's points, the loss, and SGD / Adam updates.
   Every op's forward and local derivative is the derivative table's own
   JavaScript (agsOps, generated from ops.py): activations from their rows,
   the weighted sum as the dot row computes it (from 0.0, left to right, then
   b * 1), the loss as a program traced from nn.losses by explore_losses.py.
   The optimizers follow optim.py line for line (PyTorch's rules), so 50 steps
   here and 50 in Python give the same weights (a browser test holds them to
   1e-9). Parameters are one flat array in micrograd's order: per layer, per
   neuron, the weights then the bias. */
var agsExploreTrain = window.agsExploreTrain || (function () {
  "use strict";

  // An activation's row of the table: f(z), its local derivative f'(out, z)
  // and its mask (relu passes nothing back where z <= 0); null for linear.
  function activation(name) {
    if (name === "linear") { return null; }
    var op = agsOps[name];
    return {f: op.forward, d: op.rules[0], masked: op.masks[0]};
  }

  // Where each neuron's weights start in the flat parameters.
  function Net(sizes, activationName) {
    this.sizes = sizes;
    this.act = activation(activationName);
    this.start = [];
    this.z = [];
    this.a = [];
    this.abar = [];
    this.zbar = [];
    var n = 0;
    for (var l = 1; l < sizes.length; l++) {
      var starts = [];
      for (var j = 0; j < sizes[l]; j++) { starts.push(n); n += sizes[l - 1] + 1; }
      this.start.push(starts);
      this.z.push(new Float64Array(sizes[l]));
      this.a.push(new Float64Array(sizes[l]));
      this.abar.push(new Float64Array(sizes[l]));
      this.zbar.push(new Float64Array(sizes[l]));
    }
    this.count = n;
    this.xbar = new Float64Array(sizes[0]);
  }

  // One forward pass into the scratch arrays: z = w.x + b, a = f(z) (the
  // last layer is linear). Returns the outputs (a scratch array: copy it).
  Net.prototype.forward = function (params, x) {
    var prev = x, L = this.z.length, act = this.act;
    for (var l = 0; l < L; l++) {
      var starts = this.start[l], z = this.z[l], a = this.a[l], nin = this.sizes[l];
      var f = l === L - 1 || !act ? null : act.f;
      for (var j = 0; j < starts.length; j++) {
        var base = starts[j], s = 0.0;
        for (var i = 0; i < nin; i++) { s += params[base + i] * prev[i]; }
        s += params[base + nin] * 1.0;
        z[j] = s;
        a[j] = f ? f(s) : s;
      }
      prev = a;
    }
    return prev;
  };

  // The adjoint rule back through the last forward pass, from the outputs'
  // v-bar, adding to each v-bar in the engine's order (its reverse
  // topological order visits a layer's neurons last to first) (into grads; the inputs' v-bar into this.xbar, a hidden layer's
  // into this.abar[l], each unit's z-bar into this.zbar[l]): each weight gets x * z-bar, each input w * z-bar (the dot row's
  // partials), and z-bar = f'(z) * a-bar unless the activation masks it. As
  // the engine, a zero v-bar passes nothing unless its local derivative is
  // not finite.
  Net.prototype.backward = function (params, x, outBar, grads) {
    var L = this.z.length, act = this.act, above = outBar;
    for (var l = L - 1; l >= 0; l--) {
      var starts = this.start[l], nin = this.sizes[l], below = l > 0 ? this.abar[l - 1] : this.xbar;
      var prev = l > 0 ? this.a[l - 1] : x;
      below.fill(0);
      for (var j = starts.length - 1; j >= 0; j--) {
        var g = above[j], zbar = g;
        if (l < L - 1 && act) {
          var local = act.d(this.a[l][j], this.z[l][j]);
          if (act.masked(this.a[l][j], this.z[l][j]) || (g === 0 && isFinite(local))) {
            this.zbar[l][j] = 0;
            continue;
          }
          zbar = local * g;
        }
        this.zbar[l][j] = zbar;
        var base = starts[j], quiet = zbar === 0;
        for (var i = 0; i < nin; i++) {
          if (!quiet || !isFinite(prev[i])) { grads[base + i] += prev[i] * zbar; }
          if (!quiet || !isFinite(params[base + i])) {
            below[i] += params[base + i] * zbar;
          }
        }
        if (!quiet) { grads[base + nin] += 1.0 * zbar; }
      }
      above = below;
    }
  };

  // A loss term's program (traced from Python, see explore_losses.py) made
  // ready to run: where its outputs and label sit among its nodes.
  function compile(program) {
    var outs = [], targets = [], label = -1;
    program.forEach(function (node, k) {
      if (node.leaf === "label") { label = k; }
      else if (node.leaf && node.leaf.indexOf("out") === 0) { outs[+node.leaf.slice(3)] = k; }
      else if (node.leaf && node.leaf.indexOf("target") === 0) { targets[+node.leaf.slice(6)] = k; }
    });
    return {nodes: program, outs: outs, targets: targets, label: label,
            ops: program.map(function (node) { return node.parents ? agsOps[node.op] : null; }),
            data: new Array(program.length),
            local: program.map(function (node) { return node.parents ? [] : null; }),
            masked: program.map(function (node) { return node.parents ? [] : null; }),
            grad: new Float64Array(program.length)};
  }

  // One point's term: its leaves set, the program's forward with the table's
  // ops, then, when outBar is given, the adjoint rule from v-bar = g down to
  // the outputs (their v-bars into outBar).
  function termValue(term, out, label, g, outBar) {
    var nodes = term.nodes, data = term.data, n = nodes.length;
    for (var k = 0; k < term.outs.length; k++) { data[term.outs[k]] = out[k]; }
    if (term.label >= 0) { data[term.label] = label; }
    for (var t = 0; t < term.targets.length; t++) { data[term.targets[t]] = t === label ? 1.0 : 0.0; }
    for (var i = 0; i < n; i++) {
      var node = nodes[i], op = term.ops[i];
      if (!op) {
        if (node.leaf === undefined) { data[i] = node.const; }
        continue;
      }
      data[i] = outBar ? withLocals(term, i, op, node.parents) : valueOf(term, op, node.parents);
    }
    if (outBar) { termBackward(term, g, outBar); }
    return data[n - 1];
  }

  // A node's value by its row of the table (unary and binary ops called
  // directly: this runs for every point at every step).
  function valueOf(term, op, parents) {
    var data = term.data;
    if (op.nary) { return op.forward(parents.map(function (p) { return data[p]; })); }
    return parents.length === 1 ? op.forward(data[parents[0]])
      : op.forward(data[parents[0]], data[parents[1]]);
  }

  // The same, keeping the local derivatives and masks of the row's rules.
  function withLocals(term, i, op, parents) {
    var data = term.data, local = term.local[i], masked = term.masked[i], value;
    if (op.nary) {
      var args = parents.map(function (p) { return data[p]; });
      value = op.forward(args);
      term.local[i] = op.partials(value, args);
      return value;
    }
    var x = data[parents[0]];
    if (parents.length === 1) {
      value = op.forward(x);
      local[0] = op.rules[0](value, x);
      masked[0] = op.masks[0](value, x);
      return value;
    }
    var y = data[parents[1]];
    value = op.forward(x, y);
    local[0] = op.rules[0](value, x, y);
    local[1] = op.rules[1](value, x, y);
    masked[0] = op.masks[0](value, x, y);
    masked[1] = op.masks[1](value, x, y);
    return value;
  }

  function termBackward(term, g, outBar) {
    var nodes = term.nodes, grad = term.grad, n = nodes.length;
    grad.fill(0);
    grad[n - 1] = g;
    for (var j = n - 1; j >= 0; j--) {
      var parents = nodes[j].parents, v = grad[j];
      if (!parents) { continue; }
      for (var k = 0; k < parents.length; k++) {
        if ((v === 0 && isFinite(term.local[j][k])) || term.masked[j][k]) { continue; }
        grad[parents[k]] += term.local[j][k] * v;
      }
    }
    for (var o = 0; o < term.outs.length; o++) { outBar[o] = grad[term.outs[o]]; }
  }

  // Python's random.uniform(-1, 1) stands in for no JavaScript generator; a
  // small seeded one (mulberry32) makes restarts and minibatches repeatable.
  function generator(seed) {
    var s = seed >>> 0;
    return function () {
      s = (s + 0x6D2B79F5) >>> 0;
      var t = s;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // micrograd's initialisation: each weight uniform in [-1, 1), each bias 0.
  function initialParams(sizes, random) {
    var params = [];
    for (var l = 1; l < sizes.length; l++) {
      for (var j = 0; j < sizes[l]; j++) {
        for (var i = 0; i < sizes[l - 1]; i++) { params.push(2 * random() - 1); }
        params.push(0.0);
      }
    }
    return params;
  }

  // optim.py's updates, in its order of operations. SGD (momentum 0 is plain):
  // b <- g first, then b <- momentum * b + g; p <- p - lr * b. Adam: bias-corrected.
  function Optimizer(kind, count) {
    this.kind = kind;
    this.t = 0;
    this.m = new Float64Array(count);
    this.v = new Float64Array(count);
    this.buffers = new Array(count).fill(null);
  }

  // Also keeps the step each parameter moved (delta), for the page to show.
  Optimizer.prototype.step = function (params, grads, settings) {
    var before = params.slice();
    this.update(params, grads, settings);
    this.delta = params.map(function (p, k) { return p - before[k]; });
  };

  Optimizer.prototype.update = function (params, grads, settings) {
    var lr = settings.lr, k;
    if (this.kind !== "adam") {
      var momentum = this.kind === "momentum" ? settings.momentum : 0;
      for (k = 0; k < params.length; k++) {
        var g = grads[k];
        if (momentum) {
          var b = this.buffers[k];
          g = this.buffers[k] = b === null ? g : momentum * b + g;
        }
        params[k] -= lr * g;
      }
      return;
    }
    var t = this.t + 1, beta1 = settings.beta1, beta2 = settings.beta2;
    var stepSize = lr / (1.0 - Math.pow(beta1, t));
    var rootCorrection2 = Math.sqrt(1.0 - Math.pow(beta2, t));
    for (k = 0; k < params.length; k++) {
      this.m[k] = beta1 * this.m[k] + (1.0 - beta1) * grads[k];
      this.v[k] = beta2 * this.v[k] + (1.0 - beta2) * grads[k] * grads[k];
      params[k] = params[k] - stepSize * this.m[k] / (Math.sqrt(this.v[k]) / rootCorrection2 +
                                                      settings.eps);
    }
    this.t = t;
  };

  // The indices of one step's batch: all points, or `batch` of them drawn
  // without replacement, in increasing order (as the playground's sampler).
  function batchOf(n, batch, random) {
    var all = [];
    for (var p = 0; p < n; p++) { all.push(p); }
    if (batch >= n) { return all; }
    for (var k = 0; k < batch; k++) {
      var r = k + Math.floor(random() * (n - k)), swap = all[k];
      all[k] = all[r];
      all[r] = swap;
    }
    return all.slice(0, batch).sort(function (a, b) { return a - b; });
  }

  // The trainer. spec: {sizes, activation, program, X, y, params, optimizer,
  // constants, lr, l2, l1, batch, seed, judge}. constants are optim.py's
  // {momentum, beta1, beta2, eps} (optim.constants(), in the page's data).
  // loss = mean of the batch's terms + l2 * sum(p^2) + l1 * sum(|p|), as the
  // playground's loss in Python.
  function Trainer(spec) {
    var c = spec.constants;
    this.net = new Net(spec.sizes, spec.activation);
    this.term = compile(spec.program);
    this.X = spec.X;
    this.y = spec.y;
    this.params = spec.params.slice();
    this.grads = new Float64Array(this.params.length);
    this.settings = {lr: spec.lr, momentum: c.momentum, l2: spec.l2 || 0, l1: spec.l1 || 0,
                     batch: spec.batch || 0, beta1: c.beta1, beta2: c.beta2, eps: c.eps};
    this.optimizer = new Optimizer(spec.optimizer || "sgd", this.params.length);
    this.random = generator(spec.seed === undefined ? 1 : spec.seed);
    this.outBar = new Float64Array(spec.sizes[spec.sizes.length - 1]);
    this.judge = spec.judge || null;  // (outputs, label) -> right?: counted on full batches
  }

  Trainer.prototype.setOptimizer = function (kind) {
    if (kind !== this.optimizer.kind) { this.optimizer = new Optimizer(kind, this.params.length); }
  };

  // The loss at the current parameters and its gradient (into this.grads).
  // The gradient adds up in the engine's order, so the floats are Python's:
  // its backward walks the graph from the loss, L1's nodes first, then L2's,
  // then the points last to first.
  Trainer.prototype.lossAndGrad = function () {
    var s = this.settings, params = this.params, grads = this.grads, net = this.net;
    var n = this.X.length, batch = s.batch > 0 && s.batch < n ? s.batch : n;
    var indices = batchOf(n, batch, this.random), invN = 1.0 / indices.length, k;
    var terms = new Float64Array(indices.length), abs = agsOps.abs;
    grads.fill(0);
    for (k = 0; k < params.length && s.l1; k++) {
      grads[k] += abs.rules[0](abs.forward(params[k]), params[k]) * s.l1;
    }
    for (k = 0; k < params.length && s.l2; k++) { grads[k] += params[k] * s.l2; }
    for (k = 0; k < params.length && s.l2; k++) { grads[k] += params[k] * s.l2; }
    var judge = indices.length === n ? this.judge : null;
    this.right = judge ? 0 : undefined;
    for (var q = indices.length - 1; q >= 0; q--) {
      var x = this.X[indices[q]], out = net.forward(params, x);
      if (judge && judge(out, this.y[indices[q]])) { this.right += 1; }
      terms[q] = termValue(this.term, out, this.y[indices[q]], 1.0 * invN, this.outBar);
      net.backward(params, x, this.outBar, grads);
    }
    var total = 0;
    for (q = 0; q < terms.length; q++) { total += terms[q]; }
    var loss = total * invN;
    if (s.l2) {
      var squares = 0;
      for (k = 0; k < params.length; k++) { squares += params[k] * params[k]; }
      loss = loss + s.l2 * squares;
    }
    if (s.l1) {
      var sizes = 0;
      for (k = 0; k < params.length; k++) { sizes += abs.forward(params[k]); }
      loss = loss + s.l1 * sizes;
    }
    return loss;
  };

  // One step: the snapshot at the current parameters (as Recorder.record
  // keeps it: parameters, loss, gradient norm per layer), then the update.
  Trainer.prototype.step = function () {
    var before = this.params.slice(), loss = this.lossAndGrad();
    var norms = [], k = 0, sizes = this.net.sizes;
    for (var l = 1; l < sizes.length; l++) {
      var end = k + sizes[l] * (sizes[l - 1] + 1), sum = 0;
      for (; k < end; k++) { sum += this.grads[k] * this.grads[k]; }
      norms.push(Math.sqrt(sum));
    }
    this.optimizer.step(this.params, this.grads, this.settings);
    return {params: before, loss: loss, gradNorms: norms, right: this.right};
  };

  // One point's loss term at the given parameters (no gradient).
  Trainer.prototype.pointTerm = function (params, x, label) {
    return termValue(this.term, this.net.forward(params, x), label, 0, null);
  };

  return {Net: Net, Trainer: Trainer, generator: generator, initialParams: initialParams,
          activation: activation, compile: compile, termValue: termValue};
})();
