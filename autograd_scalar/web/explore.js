/* The training explorer (autograd_scalar.explore): replays recorded snapshots.
   The page holds the parameters of each snapshot; this script recomputes the
   forward pass (and the adjoints a-bar = d(sum of outputs)/da) in the browser,
   in the same order of operations as the Python engine, so nothing else needs
   storing. Views only render from one state: {step index, selected point}. */
(function () {
  "use strict";

  var ACT = {
    relu: [function (z) { return z > 0 ? z : 0; }, function (z) { return z > 0 ? 1 : 0; }],
    tanh: [Math.tanh, function (z, a) { return 1 - a * a; }],
    sigmoid: [function (z) { return 1 / (1 + Math.exp(-z)); },
              function (z, a) { return a * (1 - a); }],
    linear: [function (z) { return z; }, function () { return 1; }]
  };
  var CLASS_RGB = [];  // from the page's palette (autograd_scalar.palette), set by init
  function rgbOf(hex) {
    return [1, 3, 5].map(function (k) { return parseInt(hex.slice(k, k + 2), 16); });
  }
  var SVGNS = "http://www.w3.org/2000/svg";

  function unpack(sizes, flat) {
    var layers = [], n = 0;
    for (var l = 1; l < sizes.length; l++) {
      var W = [], b = [];
      for (var j = 0; j < sizes[l]; j++) {
        var row = [];
        for (var i = 0; i < sizes[l - 1]; i++) { row.push(flat[n++]); }
        W.push(row);
        b.push(flat[n++]);
      }
      layers.push({W: W, b: b});
    }
    return layers;
  }

  // One forward pass: z per layer, a per column (inputs first). Python's dot
  // sums w_i*x_i from 0.0 left to right, then b*1; the same order here.
  function forward(net, activation, x) {
    var zs = [], as = [x];
    net.forEach(function (layer, l) {
      var f = ACT[l === net.length - 1 ? "linear" : activation][0];
      var prev = as[as.length - 1], z = [], a = [];
      for (var j = 0; j < layer.W.length; j++) {
        var s = 0.0, row = layer.W[j];
        for (var i = 0; i < row.length; i++) { s += row[i] * prev[i]; }
        s += layer.b[j] * 1.0;
        z.push(s);
        a.push(f(s));
      }
      zs.push(z);
      as.push(a);
    });
    return {z: zs, a: as};
  }

  // The adjoint rule backwards from the outputs (seed 1 each): a-bar per column.
  function adjoints(net, activation, pass) {
    var L = net.length, g = new Array(L + 1);
    g[L] = pass.a[L].map(function () { return 1; });
    for (var l = L - 1; l >= 0; l--) {
      var fprime = ACT[l === L - 1 ? "linear" : activation][1];
      var W = net[l].W, below = new Array(W[0].length).fill(0);
      for (var j = 0; j < W.length; j++) {
        var zbar = g[l + 1][j] * fprime(pass.z[l][j], pass.a[l + 1][j]);
        for (var i = 0; i < W[j].length; i++) { below[i] += zbar * W[j][i]; }
      }
      g[l] = below;
    }
    return g;
  }

  function softplus(s) { return s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s)); }

  function lossTerm(kind, out, label) {
    if (kind === "hinge") { return Math.max(0, 1 - label * out[0]); }
    if (kind === "logistic") { return softplus(out[0]) - label * out[0]; }
    var m = Math.max.apply(null, out), total = 0;
    out.forEach(function (z) { total += Math.exp(z - m); });
    return Math.log(total) + m - out[label];
  }

  function predicted(out) {
    if (out.length === 1) { return out[0] > 0 ? 1 : 0; }
    return out.indexOf(Math.max.apply(null, out));
  }

  function correct(out, label) {
    return out.length === 1 ? (out[0] > 0) === (label > 0) : predicted(out) === label;
  }

  function classIndex(data, label) {
    return data.sizes[data.sizes.length - 1] === 1 ? (label > 0 ? 1 : 0) : label;
  }

  // + 0: no "−0" (toPrecision keeps the sign of a negative zero's rounding).
  function short(x) { return (Number(x.toPrecision(4)) + 0).toString().replace("-", "\u2212"); }

  // Everything about one step that the views share, computed once per step.
  function stepState(data, k) {
    var net = unpack(data.sizes, data.params[k]);
    var passes = data.X.map(function (x) { return forward(net, data.activation, x); });
    var right = 0, alive = {};
    passes.forEach(function (pass, p) {
      var out = pass.a[pass.a.length - 1];
      if (correct(out, data.y[p])) { right++; }
      pass.z.forEach(function (z, l) {
        z.forEach(function (v, j) { if (v > 0) { alive[(l + 1) + ":" + j] = true; } });
      });
    });
    var dead = {};
    if (data.activation === "relu") {
      for (var l = 1; l < data.sizes.length - 1; l++) {
        for (var j = 0; j < data.sizes[l]; j++) {
          if (!alive[l + ":" + j]) { dead[l + ":" + j] = true; }
        }
      }
    }
    return {net: net, passes: passes, accuracy: right / passes.length, dead: dead};
  }

  function heatColour(data, out) {
    if (out.length === 1) {
      var t = Math.tanh(out[0]), rgb = CLASS_RGB[t > 0 ? 1 : 0], w = 0.1 + 0.42 * Math.abs(t);
      return rgb.map(function (c) { return Math.round(255 + (c - 255) * w); });
    }
    var m = Math.max.apply(null, out), total = 0;
    out.forEach(function (z) { total += Math.exp(z - m); });
    var k = out.indexOf(m), rgbk = CLASS_RGB[k % CLASS_RGB.length], wk = 0.5 / total;
    return rgbk.map(function (c) { return Math.round(255 + (c - 255) * wk); });
  }

  function drawHeat(view, state) {
    var data = view.data, canvas = view.canvas, n = canvas.width, e = data.extent;
    var ctx = canvas.getContext("2d"), image = ctx.createImageData(n, n);
    for (var r = 0; r < n; r++) {
      var v = e[3] - (r + 0.5) / n * (e[3] - e[2]);
      for (var c = 0; c < n; c++) {
        var u = e[0] + (c + 0.5) / n * (e[1] - e[0]);
        var pass = forward(state.net, data.activation, [u, v]);
        var rgb = heatColour(data, pass.a[pass.a.length - 1]), at = 4 * (r * n + c);
        image.data[at] = rgb[0]; image.data[at + 1] = rgb[1]; image.data[at + 2] = rgb[2];
        image.data[at + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  function makePoints(view) {
    var data = view.data, svg = view.pointsSvg, e = data.extent, size = 380;
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    view.dots = data.X.map(function (x, p) {
      var dot = document.createElementNS(SVGNS, "circle");
      dot.setAttribute("cx", ((x[0] - e[0]) / (e[1] - e[0]) * size).toFixed(1));
      dot.setAttribute("cy", (size - (x[1] - e[2]) / (e[3] - e[2]) * size).toFixed(1));
      dot.setAttribute("r", "4.5");
      var rgb = CLASS_RGB[classIndex(data, data.y[p]) % CLASS_RGB.length];
      dot.setAttribute("fill", "rgb(" + rgb.join(",") + ")");
      dot.setAttribute("class", "ags-ex-dot");
      dot.setAttribute("data-point", String(p));
      var title = document.createElementNS(SVGNS, "title");
      title.textContent = "point " + p + " (" + short(x[0]) + ", " + short(x[1]) +
        "), label " + data.y[p];
      dot.appendChild(title);
      dot.addEventListener("click", function () { view.selected = p; render(view); });
      svg.appendChild(dot);
      return dot;
    });
  }

  function polyline(values, low, high, width, height, colour, dashed) {
    var span = (high - low) || 1, step = width / Math.max(values.length - 1, 1);
    var line = document.createElementNS(SVGNS, "polyline");
    line.setAttribute("points", values.map(function (v, k) {
      return (k * step).toFixed(1) + "," + (height - 6 - (v - low) / span * (height - 24)).toFixed(1);
    }).join(" "));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", "1.6");
    if (dashed) { line.setAttribute("stroke-dasharray", "5 3"); }
    return line;
  }

  function makeCurves(view) {
    var svg = view.curves, width = 380, height = 150, data = view.data;
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    var low = Math.min.apply(null, data.losses), high = Math.max.apply(null, data.losses);
    var curve = data.palette.curve;
    svg.appendChild(polyline(data.losses, low, high, width, height, curve, false));
    svg.appendChild(polyline(view.accuracies, 0, 1, width, height, curve, true));
    view.cursor = document.createElementNS(SVGNS, "line");
    view.cursor.setAttribute("y1", "16");
    view.cursor.setAttribute("y2", String(height));
    view.cursor.setAttribute("stroke", "#263238");
    view.cursor.setAttribute("class", "ags-ex-cursor");
    svg.appendChild(view.cursor);
    view.curveText = {};
    [["loss", curve, 2], ["accuracy", curve, 150]].forEach(function (spec) {
      var text = document.createElementNS(SVGNS, "text");
      text.setAttribute("x", String(spec[2]));
      text.setAttribute("y", "12");
      text.setAttribute("font-size", "12");
      text.setAttribute("fill", spec[1]);
      text.setAttribute("class", "ags-ex-" + spec[0]);
      svg.appendChild(text);
      view.curveText[spec[0]] = text;
    });
  }

  function unitLines(state, pass, g, c, k) {
    var lines = ["a = " + short(pass.a[c][k]) + ",  \u0101 = \u2202out/\u2202a = " + short(g[c][k])];
    if (c > 0) {
      lines.push("z = w\u00b7x + b = " + short(pass.z[c - 1][k]) + ",  b = " +
                 short(state.net[c - 1].b[k]));
    }
    return lines;
  }

  function renderNetwork(view, state) {
    var root = view.network, p = view.selected, pass = state.passes[p];
    var g = adjoints(state.net, view.data.activation, pass);
    window.agsNetwork.apply(root, {weights: state.net.map(function (layer) { return layer.W; }),
                                   a: pass.a, g: g, dead: state.dead});
    Object.keys(root.agsUnits).forEach(function (key) {
      var ck = key.split(":");
      root.agsUnits[key].lines = unitLines(state, pass, g, +ck[0], +ck[1]);
    });
    var x = view.data.X[p];
    root.querySelector(".ags-legend").textContent = "edge = weight: teal w > 0, magenta w < 0, " +
      "width \u221d |w|;  a = activation, \u0101 = \u2202out/\u2202a on point " + p +
      " = (" + short(x[0]) + ", " + short(x[1]) + ");  grey \u2715 = dead ReLU";
    var open = root.querySelector(".ags-unit.ags-selected");
    if (open && !root.querySelector(".ags-net-panel").hidden) { window.agsNetwork.show(root, open); }
  }

  function renderPoint(view, state) {
    var data = view.data, p = view.selected, x = data.X[p], pass = state.passes[p];
    var out = pass.a[pass.a.length - 1], term = lossTerm(data.loss, out, data.y[p]);
    view.pointInfo.textContent = "";
    [["point " + p + " at (" + short(x[0]) + ", " + short(x[1]) + "), label " + data.y[p]],
     ["output " + out.map(short).join(", ") + (correct(out, data.y[p]) ? ": correct" : ": wrong")],
     [data.loss + " term \u2113 = " + short(term) + "; it adds \u2113/n = " +
      short(term / data.X.length) + " to the mean loss"]].forEach(function (line) {
      var item = document.createElement("div");
      item.textContent = line[0];
      view.pointInfo.appendChild(item);
    });
  }

  function render(view) {
    var k = view.step, state = view.cache[k] || (view.cache[k] = stepState(view.data, k));
    var data = view.data, last = data.steps.length - 1;
    drawHeat(view, state);
    view.dots.forEach(function (dot, p) {
      var pass = state.passes[p], ok = correct(pass.a[pass.a.length - 1], data.y[p]);
      dot.classList.toggle("ags-wrong", !ok);
      dot.classList.toggle("ags-chosen", p === view.selected);
      dot.setAttribute("r", p === view.selected ? "7" : "4.5");
    });
    var x = (k / Math.max(last, 1) * 380).toFixed(1);
    view.cursor.setAttribute("x1", x);
    view.cursor.setAttribute("x2", x);
    view.curveText.loss.textContent = "loss " + short(data.losses[k]);
    view.curveText.accuracy.textContent = "accuracy " + Math.round(100 * state.accuracy) + "%";
    view.position.textContent = "step " + data.steps[k] + " (" + (k + 1) + " of " +
      (last + 1) + " snapshots)";
    view.slider.value = String(k);
    renderPoint(view, state);
    renderNetwork(view, state);
  }

  function togglePlay(view) {
    if (view.timer) {
      clearInterval(view.timer);
      view.timer = null;
      view.play.textContent = "play";
      return;
    }
    if (view.step >= view.data.steps.length - 1) { view.step = 0; }
    view.play.textContent = "pause";
    view.timer = setInterval(function () {
      if (view.step >= view.data.steps.length - 1) { togglePlay(view); return; }
      view.step += 1;
      render(view);
    }, 120);
  }

  function init(root) {
    if (root.getAttribute("data-ags-ready")) { return; }
    root.setAttribute("data-ags-ready", "1");
    var data = JSON.parse(root.querySelector("script.ags-ex-data").textContent);
    CLASS_RGB = data.palette.classes.map(rgbOf);
    var still = root.querySelector(".ags-ex-static");  // the picture for viewers without scripts
    if (still) { still.remove(); }
    root.classList.add("ags-ex-ready");
    var view = {data: data, step: 0, selected: 0, cache: {}, timer: null,
                canvas: root.querySelector(".ags-ex-heat"),
                pointsSvg: root.querySelector(".ags-ex-points"),
                curves: root.querySelector(".ags-ex-curves"),
                pointInfo: root.querySelector(".ags-ex-point"),
                network: root.querySelector(".ags-network"),
                slider: root.querySelector(".ags-ex-slider"),
                play: root.querySelector(".ags-ex-play"),
                position: root.querySelector(".ags-ex-pos")};
    window.agsNetwork.init(view.network);
    view.accuracies = data.params.map(function (_, k) {
      return (view.cache[k] = stepState(data, k)).accuracy;
    });
    view.slider.max = String(data.steps.length - 1);
    view.slider.addEventListener("input", function () {
      view.step = +view.slider.value;
      render(view);
    });
    view.play.addEventListener("click", function () { togglePlay(view); });
    makePoints(view);
    makeCurves(view);
    // For tests and the curious: the browser's numbers, to compare with Python's.
    root.agsExplorer = {
      view: view, render: render,
      outputs: function (k, x) {
        var pass = forward(unpack(data.sizes, data.params[k]), data.activation, x);
        return pass.a[pass.a.length - 1];
      },
      accuracy: function (k) { return view.accuracies[k]; },
      dead: function (k) { return Object.keys(view.cache[k].dead).sort(); }
    };
    render(view);
  }

  document.querySelectorAll(".ags-explorer").forEach(init);
})();
