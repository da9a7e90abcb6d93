/* The training explorer (autograd_scalar.explore): replays recorded snapshots
   and trains on from any of them. The page holds the parameters of each
   snapshot; this script recomputes the forward pass (and the adjoints
   a-bar = d(sum of outputs)/da) in the browser with explore_train.js, whose
   arithmetic is the derivative table's JavaScript, so nothing else needs
   storing. Training in the page appends snapshots to the same timeline. Views only render from one state: {step index, selected point}.
   What is kept per snapshot is small whatever the number of points: one byte
   a point (right or wrong) and the dead units; a pass is kept for the
   selected point only. The accuracy curve fills in after the page is drawn,
   a few snapshots at a time, and at most MAX_DRAWN points are drawn (an even
   sample; accuracy counts them all), so 100,000 points open in seconds. */
var agsExplorer = window.agsExplorer || (function () {
  "use strict";

  var CLASS_RGB = [], DIVERGED_RGB = [], HEAT = {};  // from the page's palette (autograd_scalar.palette), set by init
  function rgbOf(hex) {
    return [1, 3, 5].map(function (k) { return parseInt(hex.slice(k, k + 2), 16); });
  }
  var SVGNS = "http://www.w3.org/2000/svg";
  var MAX_DRAWN = 2000;

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

  // One forward pass as the network view reads it: z per layer, a per column
  // (inputs first), copied out of the model's scratch arrays.
  function forward(model, params, x) {
    model.forward(params, x);
    return {z: model.z.map(function (z) { return Array.from(z); }),
            a: [x].concat(model.a.map(function (a) { return Array.from(a); }))};
  }

  // The adjoint rule backwards from the outputs (seed 1 each): a-bar per column.
  function adjoints(model, params, x) {
    var L = model.z.length, ones = new Float64Array(model.sizes[L]).fill(1);
    model.forward(params, x);
    model.backward(params, x, ones, new Float64Array(model.count));
    var g = [Array.from(model.xbar)];
    for (var l = 0; l < L - 1; l++) { g.push(Array.from(model.abar[l])); }
    g.push(Array.from(ones));
    return g;
  }

  function predicted(out) {
    if (out.length === 1) { return out[0] > 0 ? 1 : 0; }
    return Array.prototype.indexOf.call(out, Math.max.apply(null, out));
  }

  function correct(out, label) {
    return out.length === 1 ? (out[0] > 0) === (label > 0) : predicted(out) === label;
  }

  // A class label as written; a regression target to 4 significant digits.
  function labelText(data, label) { return data.loss === "squared" ? short(label) : String(label); }

  // How a page judges an output: by class. In regression (squared error) a real
  // target is not right or wrong: no point is ringed, no accuracy is shown.
  function judgeOf(data) {
    if (data.loss !== "squared") { return correct; }
    return function () { return true; };
  }

  // One input: a curve to fit, drawn in the plane (x, target); two: the point itself.
  function isCurve(data) { return data.sizes[0] === 1; }

  function planeOf(data, x, label) { return isCurve(data) ? [x[0], label] : x; }

  // Where a point is, in words.
  function whereText(data, x) {
    return isCurve(data) ? "x = " + short(x[0]) : "(" + short(x[0]) + ", " + short(x[1]) + ")";
  }

  // A point's plane position in the 380-pixel square of the map.
  function pixelOf(data, x, label) {
    var e = data.extent, at = planeOf(data, x, label);
    return [(at[0] - e[0]) / (e[1] - e[0]) * 380, 380 - (at[1] - e[2]) / (e[3] - e[2]) * 380];
  }

  function classIndex(data, label) {
    return data.sizes[data.sizes.length - 1] === 1 ? (label > 0 ? 1 : 0) : label;
  }

  // 4 significant digits; inf and nan as Python writes them (a diverged run has them);
  // + 0: no "−0" (toPrecision keeps the sign of a negative zero's rounding).
  function short(x) {
    var text = isNaN(x) ? "nan" : !isFinite(x) ? (x > 0 ? "inf" : "-inf")
      : (Number(x.toPrecision(4)) + 0).toString();
    return text.replace("-", "\u2212");
  }

  // Every point's forward pass (the model's scratch arrays, kept nowhere):
  // whether each point is classified right, and per layer which units have
  // z > 0 on some point.
  function scan(model, params, X, y, judge) {
    var n = X.length, right = new Uint8Array(n), count = 0, L = model.z.length, alive = [];
    for (var l = 0; l < L; l++) { alive.push(new Uint8Array(model.z[l].length)); }
    for (var p = 0; p < n; p++) {
      var out = model.forward(params, X[p]);
      for (l = 0; l < L; l++) {
        var z = model.z[l], on = alive[l];
        for (var j = 0; j < z.length; j++) { if (z[j] > 0) { on[j] = 1; } }
      }
      if (judge(out, y[p])) { right[p] = 1; count++; }
    }
    return {right: right, count: count, alive: alive};
  }

  // Everything about one step that the views share, computed once per step.
  function stepState(view, k) {
    var data = view.data, params = data.params[k], net = unpack(data.sizes, params);
    var seen = scan(view.model, params, data.X, data.y, view.judge);
    var dead = {};
    if (data.activation === "relu") {
      for (var l = 1; l < data.sizes.length - 1; l++) {
        for (var j = 0; j < data.sizes[l]; j++) {
          if (!seen.alive[l - 1][j]) { dead[l + ":" + j] = true; }
        }
      }
    }
    var state = {net: net, params: params, right: seen.right, accuracy: seen.count / data.X.length,
                 dead: dead};
    if (data.Xtest.length) { testFigures(view, state); }
    return state;
  }

  // On the held-out points: which are right, the accuracy, and the mean loss
  // term (the data loss, without a penalty; the training curve's loss is the
  // recorded objective).
  function testFigures(view, state) {
    var data = view.data, seen = scan(view.model, state.params, data.Xtest, data.ytest, view.judge);
    var total = 0;
    for (var p = 0; p < data.Xtest.length; p++) {
      total += view.trainer.pointTerm(state.params, data.Xtest[p], data.ytest[p]);
    }
    state.testRight = seen.right;
    state.testAccuracy = seen.count / data.Xtest.length;
    state.testLoss = total / data.Xtest.length;
  }

  function getState(view, k) {
    return view.cache[k] || (view.cache[k] = stepState(view, k));
  }

  // tanh and exp of the heat maps' ramps: the derivative table's own forwards.
  var tanh = agsOps.tanh.forward, exp = agsOps.exp.forward;

  // A class colour mixed with white: weight 0 is white, 1 the colour itself.
  function towardWhite(rgb, weight) {
    return rgb.map(function (c) { return Math.round(255 + (c - 255) * weight); });
  }

  function heatColour(data, out) {
    if (!Array.prototype.every.call(out, isFinite)) { return DIVERGED_RGB; }  // diverged: no class
    if (out.length === 1) {
      var t = tanh(out[0]);
      return towardWhite(CLASS_RGB[t > 0 ? 1 : 0], HEAT.least + HEAT.span * Math.abs(t));
    }
    var m = Math.max.apply(null, out), total = 0;
    Array.prototype.forEach.call(out, function (z) { total += exp(z - m); });
    var k = Array.prototype.indexOf.call(out, m);
    return towardWhite(CLASS_RGB[k % CLASS_RGB.length], HEAT.softmax / total);
  }

  // The heat map: the output at the recorder's grid points (Recorder(grid=n):
  // n x n, the canvas's pixels, the points of Snapshot.grid and the static
  // picture), pixel (r, c) at x = xs[c], y = ys[n - 1 - r].
  function gridPoint(e, n, c, r) {
    return [e[0] + (e[1] - e[0]) * c / (n - 1), e[2] + (e[3] - e[2]) * (n - 1 - r) / (n - 1)];
  }

  function drawHeat(view, state) {
    var data = view.data, canvas = view.canvas, n = canvas.width, e = data.extent;
    var ctx = canvas.getContext("2d"), image = ctx.createImageData(n, n);
    if (isCurve(data)) { drawFit(view, state); }
    if (isCurve(data) && !view.focus) {  // the fitted curve on white, as a plot
      ctx.fillStyle = view.data.palette.plot;
      ctx.fillRect(0, 0, n, n);
      return;
    }
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        var out = view.model.forward(state.params, gridPoint(e, n, c, r));
        var rgb = view.focus ? neuronColour(view.model.a[view.focus[0]][view.focus[1]])
          : heatColour(data, out), at = 4 * (r * n + c);
        image.data[at] = rgb[0]; image.data[at + 1] = rgb[1]; image.data[at + 2] = rgb[2];
        image.data[at + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
  }

  // One input: the network's output f(x) at the grid's x, a line over the
  // points (a value off the plot, or not finite, is clipped to its edge).
  function drawFit(view, state) {
    var data = view.data, e = data.extent, xs = [], ys = [], points = [], n = view.canvas.width;
    for (var k = 0; k < n; k++) {
      var u = gridPoint(e, n, k, 0)[0], out = view.model.forward(state.params, [u])[0];
      xs.push(u);
      ys.push(out);
      var v = isNaN(out) ? e[3] : Math.min(Math.max(out, e[2] - 1e-3 * (e[3] - e[2])), e[3] + 1e-3 * (e[3] - e[2]));
      var at = pixelOf(data, [u], v);
      points.push(at[0].toFixed(1) + "," + at[1].toFixed(2));
    }
    view.fit = {xs: xs, ys: ys};
    view.fitLine.setAttribute("points", points.join(" "));
  }

  // -- what each neuron computes --------------------------------------------------------

  var NEURON_GRID = 20;  // a neuron's small map: its activation on 20 x 20 points

  // Each hidden and output unit of the network view gets a small picture of
  // its activation over the plane (the colours of the main map: the sign's
  // class, paler near 0), clipped to its circle; hovering a unit shows its
  // map enlarged in the main map's place.
  function makeNeuronMaps(view) {
    view.neuronImages = {};
    view.neuronCanvas = document.createElement("canvas");
    view.neuronCanvas.width = view.neuronCanvas.height = NEURON_GRID;
    view.network.querySelectorAll(".ags-unit:not(.ags-input)").forEach(function (unit) {
      var circle = unit.querySelector("circle"), r = +circle.getAttribute("r");
      var image = document.createElementNS(SVGNS, "image"), key = unit.getAttribute("data-unit");
      image.setAttribute("x", String(+circle.getAttribute("cx") - r));
      image.setAttribute("y", String(+circle.getAttribute("cy") - r));
      image.setAttribute("width", String(2 * r));
      image.setAttribute("height", String(2 * r));
      image.setAttribute("preserveAspectRatio", "none");
      image.setAttribute("class", "ags-ex-neuron");
      circle.after(image);
      view.neuronImages[key] = image;
      var ck = key.split(":");
      unit.addEventListener("mouseenter", function () { focusUnit(view, [+ck[0] - 1, +ck[1]]); });
      unit.addEventListener("mouseleave", function () { focusUnit(view, null); });
    });
  }

  function focusUnit(view, focus) {
    view.focus = focus;
    view.focusNote.hidden = !focus;
    if (focus) {
      var last = focus[0] === view.model.z.length - 1;
      view.focusNote.textContent = (last ? "output " : "layer " + focus[0] + ", neuron ") +
        focus[1] + ": its activation over the plane";
    }
    drawHeat(view, getState(view, view.step));
  }

  // Every neuron's activation on the small grid (rows top to bottom, as the
  // main map), from one forward pass per grid point; kept for the tests.
  function neuronValues(view, params) {
    var e = view.data.extent, n = NEURON_GRID, model = view.model, values = [];
    model.z.forEach(function (z) {
      var layer = [];
      for (var j = 0; j < z.length; j++) { layer.push(new Float64Array(n * n)); }
      values.push(layer);
    });
    for (var r = 0; r < n; r++) {
      var v = e[3] - (r + 0.5) / n * (e[3] - e[2]);
      for (var c = 0; c < n; c++) {
        model.forward(params, [e[0] + (c + 0.5) / n * (e[1] - e[0]), v]);
        for (var l = 0; l < values.length; l++) {
          for (var j = 0; j < values[l].length; j++) { values[l][j][r * n + c] = model.a[l][j]; }
        }
      }
    }
    return values;
  }

  // A neuron's activation a: white at 0, the class colour of its sign
  // deepening with |tanh(a)| (a relu unit's flat zero region is white).
  function neuronColour(a) {
    if (!isFinite(a)) { return DIVERGED_RGB; }
    var t = tanh(a);
    return towardWhite(CLASS_RGB[t > 0 ? 1 : 0], HEAT.neuron * Math.abs(t));
  }

  function drawNeurons(view, state) {
    if (view.network.hidden) { return; }
    var values = view.neuronGrid = neuronValues(view, state.params), n = NEURON_GRID;
    var ctx = view.neuronCanvas.getContext("2d"), image = ctx.createImageData(n, n);
    Object.keys(view.neuronImages).forEach(function (key) {
      var ck = key.split(":"), grid = values[+ck[0] - 1][+ck[1]];
      for (var q = 0; q < n * n; q++) {
        var rgb = neuronColour(grid[q]);
        image.data[4 * q] = rgb[0]; image.data[4 * q + 1] = rgb[1]; image.data[4 * q + 2] = rgb[2];
        image.data[4 * q + 3] = 255;
      }
      ctx.putImageData(image, 0, 0);
      var picture = view.neuronImages[key];
      picture.setAttribute("href", view.neuronCanvas.toDataURL());
      picture.setAttribute("opacity", state.dead[key] ? "0.3" : "1");
      var mark = picture.parentNode.querySelector(".ags-dead-mark");
      if (mark && picture.nextSibling !== mark) { picture.after(mark); }
    });
  }

  // The first hidden layer's lines w . x + b = 0 over the data (a switch):
  // where each of its neurons changes sign.
  function drawZeroLines(view, state) {
    var group = view.zeroLines, e = view.data.extent, size = 380;
    group.textContent = "";
    if (!view.linesSwitch.checked) { return; }
    state.net[0].W.forEach(function (w, j) {
      // One input: z = w0 x + b is 0 at one x, a vertical line across the plot.
      var b = state.net[0].b[j], ends = [], w1 = w.length > 1 ? w[1] : 0;
      [[e[0], null], [e[1], null], [null, e[2]], [null, e[3]]].forEach(function (edge) {
        var u = edge[0], v = edge[1];
        if (u !== null && w1 !== 0) { v = -(b + w[0] * u) / w1; }
        else if (v !== null && w[0] !== 0) { u = -(b + w1 * v) / w[0]; }
        else { return; }
        if (u >= e[0] && u <= e[1] && v >= e[2] && v <= e[3]) { ends.push([u, v]); }
      });
      if (ends.length < 2) { return; }
      var line = document.createElementNS(SVGNS, "line");
      [["x1", "y1", ends[0]], ["x2", "y2", ends[ends.length - 1]]].forEach(function (end) {
        line.setAttribute(end[0], ((end[2][0] - e[0]) / (e[1] - e[0]) * size).toFixed(1));
        line.setAttribute(end[1], (size - (end[2][1] - e[2]) / (e[3] - e[2]) * size).toFixed(1));
      });
      line.setAttribute("class", "ags-ex-zero-line");
      var title = document.createElementNS(SVGNS, "title");
      title.textContent = "layer 0, neuron " + j + ": z = 0";
      line.appendChild(title);
      group.appendChild(line);
    });
  }

  // The held-out points: hollow rings in their class's colour, never clicked.
  function makeTestPoints(view) {
    var data = view.data;
    var stride = Math.ceil(data.Xtest.length / MAX_DRAWN);
    view.testDots = [];
    for (var p = 0; p < data.Xtest.length; p += stride) {
      var x = data.Xtest[p], dot = document.createElementNS(SVGNS, "circle");
      var rgb = CLASS_RGB[classIndex(data, data.ytest[p]) % CLASS_RGB.length];
      var at = pixelOf(data, x, data.ytest[p]);
      dot.setAttribute("cx", at[0].toFixed(1));
      dot.setAttribute("cy", at[1].toFixed(1));
      dot.setAttribute("r", view.radius);
      dot.setAttribute("class", "ags-ex-test");
      dot.setAttribute("data-test-point", String(p));
      dot.style.stroke = "rgb(" + rgb.join(",") + ")";
      var title = document.createElementNS(SVGNS, "title");
      title.textContent = "test point " + p + " " + whereText(data, x) + ", label " +
        labelText(data, data.ytest[p]) + ": held out, never trained on";
      dot.appendChild(title);
      view.pointsSvg.appendChild(dot);
      view.testDots.push([dot, p]);
      view.firstTestDot = view.firstTestDot || dot;
    }
  }

  function makePoints(view) {
    var data = view.data, svg = view.pointsSvg, size = 380;
    (view.dots || []).forEach(function (dot) { dot.remove(); });
    view.sample.hidden = true;
    svg.setAttribute("viewBox", "0 0 " + size + " " + size);
    var stride = Math.ceil(data.X.length / MAX_DRAWN), drawn = [];
    for (var q = 0; q < data.X.length; q += stride) { drawn.push(q); }
    view.drawn = drawn;
    view.radius = drawn.length > 400 ? "2.5" : "4.5";  // many dots: smaller, so they overlap less
    if (stride > 1) {
      view.sample.hidden = false;
      view.sample.textContent = drawn.length.toLocaleString("en") + " of " +
        data.X.length.toLocaleString("en") + " points drawn (one in " + stride +
        "); the accuracy counts them all.";
    }
    view.dots = drawn.map(function (p) {
      var x = data.X[p], at = pixelOf(data, x, data.y[p]);
      var dot = document.createElementNS(SVGNS, "circle");
      dot.setAttribute("cx", at[0].toFixed(1));
      dot.setAttribute("cy", at[1].toFixed(1));
      dot.setAttribute("r", view.radius);
      var rgb = CLASS_RGB[classIndex(data, data.y[p]) % CLASS_RGB.length];
      dot.setAttribute("fill", "rgb(" + rgb.join(",") + ")");
      dot.setAttribute("class", "ags-ex-dot");
      dot.setAttribute("data-point", String(p));
      var title = document.createElementNS(SVGNS, "title");
      title.textContent = "point " + p + " " + whereText(data, x) + ", label " +
        labelText(data, data.y[p]);
      dot.appendChild(title);
      dot.addEventListener("click", function (event) {
        event.stopPropagation();  // not a click on the plane: no new point
        if (event.shiftKey) { removePoint(view, p); return; }
        view.selected = p;
        view.graphPanel.open = true;  // a click on a point shows its graph
        render(view);
        writeShare(view);
      });
      svg.insertBefore(dot, view.firstTestDot || null);
      return dot;
    });
  }

  // -- editing the data and the weights ------------------------------------------------

  // The points changed: every step's figures are recomputed, the dots redrawn.
  function dataChanged(view) {
    view.cache = {};
    [view.accuracies, view.testLosses, view.testAccuracies].forEach(function (list) {
      list.length = 0;
    });
    makePoints(view);
    render(view);
    fillCurve(view);
    writeShare(view);
  }

  // A click on the plane adds a point of the chosen label there.
  function addPoint(view, event) {
    var box = view.pointsSvg.getBoundingClientRect(), e = view.data.extent;
    var u = e[0] + (event.clientX - box.left) / box.width * (e[1] - e[0]);
    var v = e[3] - (event.clientY - box.top) / box.height * (e[3] - e[2]);
    var label = isCurve(view.data) ? v : +view.labelChoice.value;
    addAt(view, u, v, label);
    dataChanged(view);
  }

  // A new point at (u, v) of the plane: with one input, x = u and its target v.
  function addAt(view, u, v, label) {
    var data = view.data;
    data.X.push(isCurve(data) ? [u] : [u, v]);
    data.y.push(isCurve(data) ? v : label);
    view.dataLog.push("+" + u + ":" + v + ":" + label);
  }

  function removePoint(view, p) {
    if (view.data.X.length <= 1) { return; }  // the mean of no terms is undefined
    view.data.X.splice(p, 1);
    view.data.y.splice(p, 1);
    view.dataLog.push("-" + p);
    if (view.selected >= p && view.selected > 0) { view.selected -= 1; }
    dataChanged(view);
  }

  // The shown snapshot's weight at flat index `index` becomes `value`; the
  // timeline after it is dropped (training goes on from the edited weights)
  // and its loss is the page's loss at them.
  function editWeight(view, index, value) {
    stopTimers(view);
    var data = view.data, k = view.step;
    truncate(view, k + 1);
    delete view.cache[k];
    [view.accuracies, view.testLosses, view.testAccuracies].forEach(function (list) {
      if (list.length > k) { list.length = k; }
    });
    data.params[k] = data.params[k].slice();
    data.params[k][index] = value;
    var judge = makeTrainer(view, data.params[k]);
    applySettingsTo(view, judge);
    judge.settings.batch = 0;
    data.losses[k] = judge.lossAndGrad();
    view.training = null;
    view.slider.max = String(data.steps.length - 1);
    view.edits.push(k + ":" + index + ":" + value);
    showTraining(view);
    writeShare(view);
  }

  // Each edge of the network view gets a wide invisible twin to click; the
  // click opens a field with the weight, Enter sets it.
  function makeWeightEditing(view) {
    var lines = view.network.querySelectorAll("line.ags-weight"), n = 0, model = view.model;
    var field = document.createElement("input");
    field.className = "ags-ex-weight-edit";
    field.hidden = true;
    view.network.parentNode.appendChild(field);
    view.weightField = field;
    model.start.forEach(function (starts, l) { starts.forEach(function (start) {
      for (var i = 0; i < model.sizes[l]; i++) { addEdgeTwin(view, lines[n++], start + i); }
    }); });
    field.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { field.hidden = true; }
      if (event.key !== "Enter") { return; }
      var value = parseFloat(field.value);
      if (isFinite(value)) { editWeight(view, +field.getAttribute("data-index"), value); }
      field.hidden = true;
    });
  }

  function addEdgeTwin(view, line, index) {
    if (!line) { return; }
    var twin = line.cloneNode(false);
    twin.setAttribute("class", "ags-ex-edge");
    twin.setAttribute("data-index", String(index));
    line.parentNode.appendChild(twin);
    twin.addEventListener("click", function (event) {
      var field = view.weightField, area = field.parentNode.getBoundingClientRect();
      field.style.left = (event.clientX - area.left + 6) + "px";
      field.style.top = (event.clientY - area.top - 12) + "px";
      field.value = String(view.data.params[view.step][index]);
      field.setAttribute("data-index", String(index));
      field.setAttribute("aria-label", line.firstChild ? line.firstChild.textContent : "weight");
      field.hidden = false;
      field.focus();
      field.select();
    });
  }

  // -- share links -----------------------------------------------------------------------
  // As a trace page (share.js), an explorer of its own keeps its state in the
  // URL fragment: #step=40&point=7&hide=legend,curves&data=+0.5:1.2:1,-3&w=0:5:0.25
  //   step    the shown step (as the slider's label counts it)
  //   point   the chosen point
  //   hide    panels to hide: network, curves, legend, controls
  //   data    the points added (+u:v:label) and deleted (-index), in order
  //   w       weights edited: snapshot:index:value, in order
  // Only the first explorer of a page of its own writes it (never a notebook's).
  var PANELS = ["network", "curves", "legend", "controls"], shareClaimed = false;

  function parseShare(hash) {
    var state = {hide: [], data: [], w: []};
    hash.replace(/^#/, "").split("&").forEach(function (pair) {
      var at = pair.indexOf("="), key, value;
      if (at < 0) { return; }
      try {
        key = decodeURIComponent(pair.slice(0, at));
        value = decodeURIComponent(pair.slice(at + 1));
      } catch (e) { return; }  // a malformed escape: that pair is ignored
      if (key === "step" || key === "point") { state[key] = parseInt(value, 10); }
      else if (key === "hide") {
        state.hide = value.split(",").filter(function (p) { return PANELS.indexOf(p) >= 0; });
      }
      else if (key === "data" || key === "w") { state[key] = value.split(",").filter(Boolean); }
    });
    return state;
  }

  function shareFragment(view) {
    var parts = ["step=" + view.data.steps[view.step], "point=" + view.selected];
    var hidden = PANELS.filter(function (p) { return view.root.classList.contains("ags-ex-hide-" + p); });
    if (hidden.length) { parts.push("hide=" + hidden.join(",")); }
    if (view.dataLog.length) { parts.push("data=" + encodeURIComponent(view.dataLog.join(","))); }
    if (view.edits.length) { parts.push("w=" + encodeURIComponent(view.edits.join(","))); }
    return "#" + parts.join("&");
  }

  // Written a moment after the last change: browsers limit how often a page
  // may replace its URL, and training changes the step many times a second.
  function writeShare(view) {
    if (!view.own || !window.history || !history.replaceState) { return; }
    clearTimeout(view.shareTimer);
    view.shareTimer = setTimeout(function () {
      history.replaceState(null, "", shareFragment(view));
    }, 250);
  }

  function applyShare(view, state) {
    var data = view.data, e = data.extent;
    state.data.forEach(function (entry) {
      var parts = entry.slice(1).split(":").map(Number);
      if (entry[0] === "+" && parts.length === 3 && parts.every(isFinite)) {
        addAt(view, Math.min(Math.max(parts[0], e[0]), e[1]), Math.min(Math.max(parts[1], e[2]), e[3]),
              parts[2]);
      } else if (entry[0] === "-" && parts[0] >= 0 && parts[0] < data.X.length && data.X.length > 1) {
        data.X.splice(parts[0], 1);
        data.y.splice(parts[0], 1);
        view.dataLog.push(entry);
      }
    });
    if (state.data.length) { dataChanged(view); }
    state.w.forEach(function (entry) {
      var parts = entry.split(":").map(Number);
      if (parts.length === 3 && parts.every(isFinite) && parts[0] >= 0 && parts[0] < data.steps.length &&
          parts[1] >= 0 && parts[1] < data.params[0].length) {
        view.step = parts[0];
        editWeight(view, parts[1], parts[2]);
      }
    });
    var k = data.steps.indexOf(state.step);
    if (k >= 0) { view.step = k; }
    if (state.point >= 0 && state.point < data.X.length) { view.selected = state.point; }
    state.hide.forEach(function (p) { view.root.classList.add("ags-ex-hide-" + p); });
    render(view);
  }

  function startShare(view) {
    if (shareClaimed) { return; }
    shareClaimed = true;
    var state = parseShare(window.location.hash || "");
    applyShare(view, state);
    view.own = view.root.parentElement === document.body;
    view.slider.addEventListener("change", function () { writeShare(view); });
  }

  // A value that is not finite (a diverged loss) goes off the top of the plot.
  function linePoints(values, low, high, width, height, count) {
    var span = (high - low) || 1, step = width / Math.max(count - 1, 1);
    return values.map(function (v, k) {
      var y = isFinite(v) ? height - 6 - (v - low) / span * (height - 24) : 0;
      return (k * step).toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
  }

  function polyline(values, low, high, width, height, colour, dashed) {
    var line = document.createElementNS(SVGNS, "polyline");
    line.setAttribute("points", linePoints(values, low, high, width, height, values.length));
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", colour);
    line.setAttribute("stroke-width", "1.6");
    if (dashed) { line.setAttribute("stroke-dasharray", "5 3"); }
    return line;
  }

  function lossRange(losses) {
    var finite = losses.filter(isFinite);
    return finite.length ? [Math.min.apply(null, finite), Math.max.apply(null, finite)] : [0, 1];
  }

  // The loss curves again, after training in the page changed the timeline
  // or more test figures came in; test and training loss share one scale.
  function redrawCurves(view) {
    var total = view.data.losses.length, range = lossRange(view.data.losses.concat(view.testLosses));
    view.lossLine.setAttribute("points", linePoints(view.data.losses, range[0], range[1], 380, 150,
                                                    total));
    if (!view.testLossLine) { return; }
    view.testLossLine.setAttribute("points", linePoints(view.testLosses, range[0], range[1], 380,
                                                        150, total));
    view.testAccuracyLine.setAttribute("points", linePoints(view.testAccuracies, 0, 1, 380, 150,
                                                            total));
  }

  function makeCurves(view) {
    var svg = view.curves, width = 380, height = 150, data = view.data;
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    var range = lossRange(data.losses), curve = data.palette.curve, classes = data.loss !== "squared";
    view.lossLine = polyline(data.losses, range[0], range[1], width, height, curve, false);
    svg.appendChild(view.lossLine);
    // In regression no accuracy: the lines exist (the curve code fills them) but are not drawn.
    view.accuracyLine = polyline([], 0, 1, width, height, curve, true);
    if (classes) { svg.appendChild(view.accuracyLine); }
    view.cursor = document.createElementNS(SVGNS, "line");
    view.cursor.setAttribute("y1", "16");
    view.cursor.setAttribute("y2", String(height));
    view.cursor.setAttribute("stroke", data.palette.cursor);
    view.cursor.setAttribute("class", "ags-ex-cursor");
    svg.appendChild(view.cursor);
    var labels = [["loss", curve, 2], ["accuracy", curve, 150]], test = data.palette.testCurve;
    if (data.Xtest.length) {
      view.testLossLine = polyline([], 0, 1, width, height, test, false);
      view.testAccuracyLine = polyline([], 0, 1, width, height, test, true);
      svg.appendChild(view.testLossLine);
      if (classes) { svg.appendChild(view.testAccuracyLine); }
      labels = [["loss", curve, 2], ["accuracy", curve, 92], ["test-loss", test, classes ? 186 : 100],
                ["test-accuracy", test, 296]];
    }
    if (!classes) {
      labels = labels.filter(function (spec) { return spec[0].indexOf("accuracy") < 0; });
      labels.push(["no-accuracy", data.palette.muted, 378]);
    }
    view.curveText = {};
    labels.forEach(function (spec) {
      var text = document.createElementNS(SVGNS, "text");
      text.setAttribute("x", String(spec[2]));
      text.setAttribute("y", "12");
      text.setAttribute("font-size", "12");
      text.setAttribute("fill", spec[1]);
      text.setAttribute("class", "ags-ex-" + spec[0]);
      svg.appendChild(text);
      view.curveText[spec[0]] = text;
    });
    if (!classes) {
      view.curveText["no-accuracy"].textContent = "regression: no accuracy";
      view.curveText["no-accuracy"].setAttribute("text-anchor", "end");
    }
  }

  function unitLines(state, pass, g, c, k) {
    var lines = ["a = " + short(pass.a[c][k]) + ",  \u0101 = \u2202out/\u2202a = " + short(g[c][k])];
    if (c > 0) {
      lines.push("z = w\u00b7x + b = " + short(pass.z[c - 1][k]) + ",  b = " +
                 short(state.net[c - 1].b[k]));
    }
    return lines;
  }

  // The optimizer's state for a neuron's parameters (weights, then the bias)
  // after the last step the page took: SGD's velocity, Adam's m, v and t,
  // and the step each parameter moved. Only the page's own training has it.
  function optimizerLines(view, c, k) {
    if (c === 0) { return []; }
    var t = view.trainer, attached = view.training && view.step === view.data.steps.length - 1;
    if (!attached || !t.optimizer.delta) {
      return ["optimizer state: train in the page (train or step) to see it here"];
    }
    var o = t.optimizer, start = t.net.start[c - 1][k], nin = t.net.sizes[c - 1];
    var lines = [o.kind === "adam" ? "Adam after step t = " + o.t + ": m, v, and the step taken"
      : o.kind === "momentum" ? "momentum: velocity b, and the step taken" : "SGD: the step taken"];
    for (var i = 0; i <= nin; i++) {
      var q = start + i, name = i < nin ? "w" + i : "b";
      var parts = o.kind === "adam" ? ["m " + short(o.m[q]), "v " + short(o.v[q])]
        : o.kind === "momentum" ? ["b " + short(o.buffers[q] === null ? 0 : o.buffers[q])] : [];
      lines.push(name + ": " + parts.concat(["Δ " + short(o.delta[q])]).join(",  "));
    }
    return lines;
  }

  function renderNetwork(view, state, pass) {
    var root = view.network, p = view.selected;
    var g = adjoints(view.model, state.params, view.data.X[p]);
    window.agsNetwork.apply(root, {weights: state.net.map(function (layer) { return layer.W; }),
                                   a: pass.a, g: g, dead: state.dead});
    Object.keys(root.agsUnits).forEach(function (key) {
      var ck = key.split(":");
      root.agsUnits[key].lines = unitLines(state, pass, g, +ck[0], +ck[1])
        .concat(optimizerLines(view, +ck[0], +ck[1]));
    });
    var x = view.data.X[p];
    root.querySelector(".ags-legend").textContent = "edge = weight: teal w > 0, magenta w < 0, " +
      "width \u221d |w|;  a = activation, \u0101 = \u2202out/\u2202a on point " + p +
      " at " + whereText(view.data, x) + ";  grey \u2715 = dead ReLU";
    var open = root.querySelector(".ags-unit.ags-selected");
    if (open && !root.querySelector(".ags-net-panel").hidden) { window.agsNetwork.show(root, open); }
  }

  // -- the chosen point's scalar graph --------------------------------------------------
  // The graph the engine builds for one point's loss term l = term(f(x), y):
  // per neuron a dot node z = w.x + b (its parents the weights, the inputs and
  // b) and its activation a = f(z) (the output layer's a is z), then the
  // term's own nodes. data is each node's value; grad is dl/dnode for this
  // point alone (the mean loss scales each by 1/n), from the adjoint rule run
  // by explore_train.js (the derivative table's JavaScript).

  function pointGraph(view, params) {
    var data = view.data, model = view.model, p = view.selected, x = data.X[p];
    var L = model.z.length, out = Array.from(model.forward(params, x));
    var term = view.pointTerm || (view.pointTerm = agsExploreTrain.compile(data.program));
    var outBar = new Float64Array(out.length), grads = new Float64Array(model.count);
    var value = agsExploreTrain.termValue(term, out, data.y[p], 1.0, outBar);
    model.backward(params, x, outBar, grads);
    var layers = [];
    for (var l = 0; l < L; l++) {
      var below = l > 0 ? model.a[l - 1] : x, belowBar = l > 0 ? model.abar[l - 1] : model.xbar;
      var units = [];
      for (var j = 0; j < model.z[l].length; j++) {
        var base = model.start[l][j], nin = model.sizes[l], inputs = [];
        for (var i = 0; i < nin; i++) {
          inputs.push({w: params[base + i], wGrad: grads[base + i], x: below[i], xGrad: belowBar[i]});
        }
        units.push({inputs: inputs, b: params[base + nin], bGrad: grads[base + nin],
                    z: model.z[l][j], zGrad: model.zbar[l][j], a: model.a[l][j],
                    aGrad: l === L - 1 ? outBar[j] : model.abar[l][j]});
      }
      layers.push(units);
    }
    var nodes = data.program.map(function (node, k) {
      return {name: node.op || node.leaf || "const", data: term.data[k], grad: term.grad[k]};
    });
    return {layers: layers, term: nodes, value: value};
  }

  // A row of the graph's table: a node's name, data and grad (shown to 4
  // digits; the full floats in data-data and data-grad).
  function graphRow(body, key, name, value, grad, kind) {
    var row = document.createElement("tr");
    row.setAttribute("data-node", key);
    row.setAttribute("data-data", String(value));
    row.setAttribute("data-grad", String(grad));
    row.className = "ags-ex-node" + (kind ? " " + kind : "");
    [name, short(value), short(grad)].forEach(function (text) {
      var cell = document.createElement("td");
      cell.textContent = text;
      row.appendChild(cell);
    });
    body.appendChild(row);
    return row;
  }

  function unitName(view, l, j) {
    return l === view.model.z.length - 1 ? "output " + j : "layer " + l + ", neuron " + j;
  }

  // One neuron: collapsed, a row for z and a row for a; expanded, first its dot
  // node's parents (each weight, each input, b).
  function graphUnit(view, body, unit, l, j) {
    var key = l + ":" + j, open = view.expanded[key], last = l === view.model.z.length - 1;
    var head = document.createElement("tr");
    head.className = "ags-ex-unit-head";
    head.setAttribute("data-unit", key);
    var cell = document.createElement("td");
    cell.colSpan = 3;
    cell.textContent = (open ? "\u25be " : "\u25b8 ") + unitName(view, l, j);
    head.appendChild(cell);
    body.appendChild(head);
    if (open) {
      unit.inputs.forEach(function (edge, i) {
        var input = l === 0 ? "x" + i : "a of layer " + (l - 1) + ", neuron " + i;
        graphRow(body, "w:" + key + ":" + i, "  w" + i, edge.w, edge.wGrad, "ags-ex-leaf");
        graphRow(body, "in:" + key + ":" + i, "  " + input, edge.x, edge.xGrad, "ags-ex-leaf");
      });
      graphRow(body, "b:" + key, "  b", unit.b, unit.bGrad, "ags-ex-leaf");
    }
    var act = view.data.activation;
    graphRow(body, "z:" + key, "  z = w\u00b7x + b (dot)", unit.z, unit.zGrad);
    if (!last && act !== "linear") {
      graphRow(body, "a:" + key, "  a = " + act + "(z)", unit.a, unit.aGrad);
    }
  }

  function renderGraph(view, state) {
    var panel = view.graphPanel;
    if (!panel.open) { return; }
    var graph = pointGraph(view, state.params), data = view.data, p = view.selected;
    view.graph = graph;
    var body = document.createElement("tbody");
    graph.layers.forEach(function (units, l) {
      units.forEach(function (unit, j) { graphUnit(view, body, unit, l, j); });
    });
    var head = document.createElement("tr");
    head.className = "ags-ex-unit-head";
    head.innerHTML = '<td colspan="3"></td>';
    head.firstChild.textContent = "the " + data.loss + " term \u2113 of point " + p;
    body.appendChild(head);
    graph.term.forEach(function (node, k) {
      var name = node.name === "label" ? (data.loss === "squared" ? "target" : "label y") : node.name;
      graphRow(body, "t:" + k, "  " + (k === graph.term.length - 1 ? "\u2113 = " + name : name),
               node.data, node.grad);
    });
    view.graphTable.replaceChild(body, view.graphTable.tBodies[0]);
    view.graphTitle.textContent = "point " + p + " at step " + data.steps[view.step] + ": data, and " +
      "grad = \u2202\u2113/\u2202node for this point alone (the mean loss scales it by 1/n = 1/" +
      data.X.length + "). Click a neuron's name to open or close its weights and inputs.";
  }

  function makeGraphPanel(view, root) {
    var panel = view.graphPanel = root.querySelector(".ags-ex-graph");
    view.graphTable = panel.querySelector("table");
    view.graphTitle = panel.querySelector(".ags-ex-graph-title");
    var units = view.model.z.reduce(function (n, z) { return n + z.length; }, 0);
    view.expanded = {};
    if (units <= 8) {  // a small network: every neuron open
      view.model.z.forEach(function (z, l) {
        for (var j = 0; j < z.length; j++) { view.expanded[l + ":" + j] = true; }
      });
    }
    panel.addEventListener("toggle", function () { renderGraph(view, getState(view, view.step)); });
    view.graphTable.addEventListener("click", function (event) {
      var head = event.target.closest("[data-unit]");
      if (!head) { return; }
      var key = head.getAttribute("data-unit");
      view.expanded[key] = !view.expanded[key];
      renderGraph(view, getState(view, view.step));
    });
  }

  function renderPoint(view, state, pass) {
    var data = view.data, p = view.selected, x = data.X[p];
    var out = pass.a[pass.a.length - 1];
    var term = view.trainer.pointTerm(state.params, x, data.y[p]);
    view.pointInfo.textContent = "";
    var verdict = data.loss === "squared" ? ", off its target by " + short(out[0] - data.y[p])
      : view.judge(out, data.y[p]) ? ": correct" : ": wrong";
    [["point " + p + " at " + whereText(data, x) + ", " + (data.loss === "squared" ? "target " : "label ") +
      labelText(data, data.y[p])],
     ["output " + out.map(short).join(", ") + verdict],
     [data.loss + " term \u2113 = " + short(term) + "; it adds \u2113/n = " +
      short(term / data.X.length) + " to the mean loss"]].forEach(function (line) {
      var item = document.createElement("div");
      item.textContent = line[0];
      view.pointInfo.appendChild(item);
    });
  }

  function render(view) {
    view.renders += 1;
    var k = view.step, state = getState(view, k), data = view.data, last = data.steps.length - 1;
    var pass = forward(view.model, state.params, data.X[view.selected]);
    drawHeat(view, state);
    view.dots.forEach(function (dot, q) {
      var p = view.drawn[q];
      dot.classList.toggle("ags-wrong", !state.right[p]);
      dot.classList.toggle("ags-chosen", p === view.selected);
      dot.setAttribute("r", p === view.selected ? "7" : view.radius);
    });
    var x = (k / Math.max(last, 1) * 380).toFixed(1);
    view.cursor.setAttribute("x1", x);
    view.cursor.setAttribute("x2", x);
    view.curveText.loss.textContent = "loss " + short(data.losses[k]);
    if (view.curveText.accuracy) {
      view.curveText.accuracy.textContent = "accuracy " + Math.round(100 * state.accuracy) + "%";
    }
    if (view.testDots.length) {
      view.curveText["test-loss"].textContent = "test loss " + short(state.testLoss);
      if (view.curveText["test-accuracy"]) {
        view.curveText["test-accuracy"].textContent = "test acc. " +
          Math.round(100 * state.testAccuracy) + "%";
      }
      view.testDots.forEach(function (pair) {
        pair[0].classList.toggle("ags-wrong", !state.testRight[pair[1]]);
      });
    }
    view.position.textContent = "step " + data.steps[k] + " (" + (k + 1) + " of " +
      (last + 1) + " snapshots)";
    view.slider.value = String(k);
    renderPoint(view, state, pass);
    renderGraph(view, state);
    drawZeroLines(view, state);
    if (!view.network.hidden) { renderNetwork(view, state, pass); }
    drawNeurons(view, state);
    writeShare(view);
  }

  // Where the loss stops being a number, say so: the step and what it became.
  function divergence(view, note) {
    var data = view.data, k = data.losses.findIndex(function (v) { return !isFinite(v); });
    if (k < 0) { note.hidden = true; return; }
    note.hidden = false;
    note.textContent = "Training diverged: the loss is " + short(data.losses[k]) + " from step " +
      data.steps[k] + " on (the curve leaves the top of the plot), and the outputs are not " +
      "numbers (grey). A smaller learning rate, or inputs of a smaller size, keep it finite.";
  }

  // Snapshot k's accuracy (and test figures) onto the curves. Not kept in the
  // cache: a long run in the page would hold every step's state.
  function addFigures(view, k) {
    var state = view.cache[k] || stepState(view, k);
    view.accuracies.push(state.accuracy);
    if (view.data.Xtest.length) {
      view.testLosses.push(state.testLoss);
      view.testAccuracies.push(state.testAccuracy);
    }
  }

  // The accuracy curve, a few snapshots per turn of the event loop.
  function fillCurve(view) {
    if (view.filling) { return; }
    var total = view.data.steps.length, start = performance.now();
    var budget = view.trainTimer ? view.slice / 2 : 30;
    while (view.accuracies.length < total && performance.now() - start < budget) {
      addFigures(view, view.accuracies.length);
    }
    view.accuracyLine.setAttribute("points",
      linePoints(view.accuracies, 0, 1, 380, 150, total));
    redrawCurves(view);
    // While training runs, its ticks call this with half a slice: about what
    // a slice of steps adds (each snapshot costs a pass over the points).
    if (view.accuracies.length < total && !view.trainTimer) {
      view.filling = true;
      setTimeout(function () { view.filling = false; fillCurve(view); }, 0);
    }
  }

  function stopTimers(view) {
    if (view.timer) { clearInterval(view.timer); view.timer = null; view.play.textContent = "play"; }
    if (view.trainTimer) {
      clearTimeout(view.trainTimer);
      view.trainTimer = null;
      view.controls.run.textContent = "train";
      fillCurve(view);  // the accuracy curve catches up
    }
  }

  function togglePlay(view) {
    if (view.timer) { stopTimers(view); return; }
    stopTimers(view);
    if (view.step >= view.data.steps.length - 1) { view.step = 0; }
    view.play.textContent = "pause";
    view.timer = setInterval(function () {
      if (view.step >= view.data.steps.length - 1) { togglePlay(view); return; }
      view.step += 1;
      render(view);
    }, 120);
  }

  // -- training in the page ----------------------------------------------------------

  // The snapshots the page keeps (about 27 MB for 16-16-1). Training goes on past
  // them as long as you like: the timeline then keeps one step in two, then one in
  // four, ..., and always the newest step.
  var MAX_STEPS = 10000;

  function number(field, fallback, low) {
    var v = parseFloat(field.value);
    return isFinite(v) && v >= low ? v : fallback;
  }

  // The controls' values; a field that is not a number keeps the last good value.
  function applySettings(view) { applySettingsTo(view, view.trainer); }

  function applySettingsTo(view, t) {
    var c = view.controls, s = t.settings;
    t.setOptimizer(c.optimizer.value);
    s.lr = number(c.lr, s.lr, -Infinity);
    s.l2 = number(c.l2, s.l2, 0);
    s.l1 = number(c.l1, s.l1, 0);
    s.batch = Math.round(number(c.batch, s.batch, 0));
  }

  function makeTrainer(view, params) {
    var data = view.data;
    return new agsExploreTrain.Trainer({
      sizes: data.sizes, activation: data.activation, program: data.program, X: data.X, y: data.y,
      params: params, optimizer: view.controls.optimizer.value, constants: data.optimizer, lr: 0.1,
      seed: view.seed++, judge: view.judge});
  }

  // The timeline's lists, snapshot by snapshot; the curves' lists are filled
  // later than the others, so they may be shorter (a prefix).
  function timeline(view) {
    var data = view.data;
    return [data.steps, data.losses, data.params, data.gradNorms,
            view.accuracies, view.testLosses, view.testAccuracies];
  }

  // The timeline from snapshot k on is dropped: training branches off there.
  function truncate(view, k) {
    timeline(view).forEach(function (list) { if (list.length > k) { list.length = k; } });
    Object.keys(view.cache).forEach(function (key) { if (+key >= k) { delete view.cache[key]; } });
  }

  // The timeline at MAX_STEPS: snapshots 0, 2, 4, ... and the newest stay, and
  // from the newest on one step in twice as many as before is kept.
  function thin(view) {
    var newest = view.data.steps.length - 1;
    timeline(view).forEach(function (list) {
      var kept = 0;
      for (var i = 0; i < list.length; i++) {
        if (i % 2 === 0 || i === newest) { list[kept++] = list[i]; }
      }
      list.length = kept;
    });
    view.cache = {};
    view.stride *= 2;
    view.strideFrom = view.data.steps[view.data.steps.length - 1];
  }

  // The newest snapshot is a step trained since strideFrom that is off the stride:
  // kept only until the next step replaces it.
  function extraTail(view) {
    var label = view.data.steps[view.data.steps.length - 1];
    return label > view.strideFrom && (label - view.strideFrom) % view.stride !== 0;
  }

  // One step of training joins the timeline. The newest step is always shown.
  function keepStep(view, snapshot, label) {
    var data = view.data;
    if (extraTail(view)) { truncate(view, data.steps.length - 1); }
    data.steps.push(label);
    data.losses.push(snapshot.loss);
    data.params.push(snapshot.params);
    data.gradNorms.push(snapshot.gradNorms);
    keepCurvesUp(view, snapshot);
    if (data.steps.length >= MAX_STEPS) { thin(view); }
  }

  // count steps of training: on from the last page step if the slider is
  // there, else from the shown snapshot with a fresh optimizer state.
  function trainSteps(view, count) {
    var data = view.data, last = data.steps.length - 1;
    if (!view.training || view.step !== last) {
      view.trainer = makeTrainer(view, data.params[view.step]);
      view.training = {label: data.steps[view.step]};
      truncate(view, view.step);
      view.strideFrom = view.training.label;
      // The curves complete up to here, once: from now on each step adds its own figures.
      while (view.accuracies.length < data.steps.length) { addFigures(view, view.accuracies.length); }
    }
    applySettings(view);
    for (var i = 0; i < count; i++) {
      keepStep(view, view.trainer.step(), view.training.label++);
    }
    view.slider.max = String(data.steps.length - 1);
    view.step = data.steps.length - 1;
  }

  // A full-batch step counted its right answers on the way: when the curves
  // are complete up to it, its figures go in at once (the test points' too).
  function keepCurvesUp(view, snapshot) {
    var data = view.data;
    if (snapshot.right === undefined || view.accuracies.length !== data.steps.length - 1) { return; }
    view.accuracies.push(snapshot.right / data.X.length);
    if (!data.Xtest.length) { return; }
    var figures = {params: snapshot.params};
    testFigures(view, figures);
    view.testLosses.push(figures.testLoss);
    view.testAccuracies.push(figures.testAccuracy);
  }

  function showTraining(view) {
    divergence(view, view.note);  // training in the page may diverge too
    render(view);
    redrawCurves(view);
    fillCurve(view);
  }

  // Train until paused, redrawing after each slice of about 30 ms of steps
  // (five at a time: the slider's range is set once per five).
  function toggleTrain(view) {
    if (view.trainTimer) { stopTimers(view); return; }
    stopTimers(view);
    view.controls.run.textContent = "pause";
    var tick = function () {
      var start = performance.now();
      do { trainSteps(view, 5); } while (performance.now() - start < view.slice);
      showTraining(view);
      view.trainTimer = setTimeout(tick, 0);
    };
    view.trainTimer = setTimeout(tick, 0);
  }

  function hiddenSizes(text) {
    var sizes = text.split(",").map(function (part) { return part.trim(); });
    var ok = sizes.length <= 8 && sizes.every(function (part) {
      return /^[0-9]{1,3}$/.test(part) && +part >= 1 && +part <= 256;
    });
    return ok ? sizes.map(Number) : null;
  }

  // New random weights (micrograd's scheme) with the chosen activation and
  // hidden sizes: a new run, the recorded one is dropped.
  function restart(view) {
    stopTimers(view);
    var data = view.data, c = view.controls, hidden = hiddenSizes(c.hidden.value);
    if (!hidden) {
      view.trainNote.hidden = false;
      view.trainNote.textContent = "hidden sizes must be numbers from 1 to 256 separated by " +
        "commas (at most 8 layers), e.g. 16,16";
      return;
    }
    view.trainNote.hidden = true;
    var sizes = [data.sizes[0]].concat(hidden, [data.sizes[data.sizes.length - 1]]);
    var same = sizes.join(",") === data.sizes.join(",");
    data.sizes = sizes;
    data.activation = c.activation.value;
    view.model = new agsExploreTrain.Net(sizes, data.activation);
    var params = agsExploreTrain.initialParams(sizes, agsExploreTrain.generator(view.seed++));
    view.trainer = makeTrainer(view, params);
    view.training = {label: 0};
    truncate(view, 0);
    view.cache = {};
    view.stride = 1;
    view.strideFrom = 0;
    view.network.hidden = !same;
    view.networkNote.hidden = same;
    trainSteps(view, 1);
    view.step = 0;
    showTraining(view);
  }

  function makeControls(view, root) {
    var c = view.controls = {};
    ["run", "once", "restart", "optimizer", "lr", "l2", "l1", "batch", "activation",
     "hidden"].forEach(function (name) { c[name] = root.querySelector(".ags-ex-" + name); });
    c.activation.value = view.data.activation;
    c.hidden.value = view.data.sizes.slice(1, -1).join(",");
    c.run.addEventListener("click", function () { toggleTrain(view); });
    c.once.addEventListener("click", function () {
      stopTimers(view);
      trainSteps(view, 1);
      showTraining(view);
    });
    c.restart.addEventListener("click", function () { restart(view); });
  }

  function init(root) {
    if (root.getAttribute("data-ags-ready")) { return; }
    root.setAttribute("data-ags-ready", "1");
    var data = agsData(root.querySelector("script.ags-ex-data"));
    CLASS_RGB = data.palette.classes.map(rgbOf);
    DIVERGED_RGB = rgbOf(data.palette.diverged);
    HEAT = data.palette.heat;
    var still = root.querySelector(".ags-ex-static");  // the picture for viewers without scripts
    if (still) { still.remove(); }
    root.classList.add("ags-ex-ready");
    root.querySelectorAll(".ags-ex-live").forEach(function (control) {
      control.style.removeProperty("display");  // hidden where no script runs (see explore.py)
    });
    var view = {data: data, step: 0, selected: 0, cache: {}, timer: null,
                canvas: root.querySelector(".ags-ex-heat"),
                pointsSvg: root.querySelector(".ags-ex-points"),
                curves: root.querySelector(".ags-ex-curves"),
                pointInfo: root.querySelector(".ags-ex-point"),
                network: root.querySelector(".ags-network"),
                slider: root.querySelector(".ags-ex-slider"),
                play: root.querySelector(".ags-ex-play"),
                position: root.querySelector(".ags-ex-pos"),
                sample: root.querySelector(".ags-ex-sample"), accuracies: [],
                testLosses: [], testAccuracies: [], testDots: [], focus: null,
                focusNote: root.querySelector(".ags-ex-focus"), root: root, dataLog: [],
                edits: [], own: false, labelChoice: root.querySelector(".ags-ex-label"),
                linesSwitch: root.querySelector(".ags-ex-lines"),
                trainNote: root.querySelector(".ags-ex-train-note"),
                networkNote: root.querySelector(".ags-ex-network-note"),
                model: new agsExploreTrain.Net(data.sizes, data.activation), judge: judgeOf(data),
                seed: 1, slice: 30, training: null, renders: 0,
                stride: 1, strideFrom: 0};
    window.agsNetwork.init(view.network);
    makeControls(view, root);
    view.trainer = makeTrainer(view, data.params[0]);
    view.slider.max = String(data.steps.length - 1);
    view.slider.addEventListener("input", function () {
      view.step = +view.slider.value;
      render(view);
    });
    view.play.addEventListener("click", function () { togglePlay(view); });
    view.zeroLines = document.createElementNS(SVGNS, "g");
    view.pointsSvg.appendChild(view.zeroLines);
    view.fitLine = document.createElementNS(SVGNS, "polyline");
    view.fitLine.setAttribute("class", "ags-ex-fit");
    view.fitLine.setAttribute("stroke", data.palette.curve);
    view.pointsSvg.appendChild(view.fitLine);
    makePoints(view);
    makeTestPoints(view);
    makeNeuronMaps(view);
    makeWeightEditing(view);
    makeGraphPanel(view, root);
    view.pointsSvg.addEventListener("click", function (event) {
      if (!event.shiftKey) { addPoint(view, event); }
    });
    var showTest = root.querySelector(".ags-ex-show-test");
    if (showTest) {
      showTest.addEventListener("change", function () {
        root.classList.toggle("ags-ex-hide-test", !showTest.checked);
      });
    }
    view.linesSwitch.addEventListener("change", function () {
      drawZeroLines(view, getState(view, view.step));
    });
    makeCurves(view);
    view.note = root.querySelector(".ags-ex-note");
    divergence(view, view.note);
    // For tests and the curious: the browser's numbers, to compare with Python's.
    root.agsExplorer = {
      view: view, render: render,
      outputs: function (k, x) { return Array.from(view.model.forward(data.params[k], x)); },
      accuracy: function (k) { return getState(view, k).accuracy; },
      dead: function (k) { return Object.keys(getState(view, k).dead).sort(); },
      curveDone: function () { return view.accuracies.length === data.steps.length; },
      neuronGrid: function (k) {
        return neuronValues(view, data.params[k]).map(function (layer) {
          return layer.map(function (grid) { return Array.from(grid); });
        });
      },
      gridSize: NEURON_GRID,
      test: function (k) {
        var state = getState(view, k);
        return {loss: state.testLoss, accuracy: state.testAccuracy};
      },
      train: function (count) { trainSteps(view, count); showTraining(view); },
      trainer: function () { return view.trainer; },
      fit: function () { return view.fit; },
      graph: function () { return view.graph; },
      editWeight: function (index, value) { editWeight(view, index, value); }
    };
    render(view);
    fillCurve(view);
    startShare(view);
  }

  return {init: init};
})();
