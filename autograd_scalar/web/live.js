// Recompute a recorded graph in the page: the forward pass in topological
// order with each op's JavaScript forward (agsOps, from the derivative
// table), then the backward rule  v̄_N = 1,  v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j.
// graph.nodes[i] = {op, parents: [positions], data, kind: "input"|"const"|""};
// inputs maps an input's position to its new value. Returns
// {data, grad, local} or, on a domain error, {error: {node, message}, data}
// with the values of the nodes before the failing one.
var agsRecompute = window.agsRecompute || (function () {
  function recompute(graph, inputs) {
    var nodes = graph.nodes, n = nodes.length, data = new Array(n), local = new Array(n),
        masked = new Array(n);
    for (var i = 0; i < n; i++) {
      var node = nodes[i];
      if (!node.parents.length) {
        data[i] = Object.prototype.hasOwnProperty.call(inputs, i) ? inputs[i] : node.data;
        continue;
      }
      var op = agsOps[node.op], args = node.parents.map(function (p) { return data[p]; });
      try {
        data[i] = op.nary ? op.forward(args) : op.forward.apply(null, args);
        var call = function (f) { return f.apply(null, [data[i]].concat(args)); };
        local[i] = op.nary ? op.partials(data[i], args) : op.rules.map(call);
        masked[i] = op.nary ? [] : op.masks.map(call);
      } catch (e) {
        return {error: {node: i, message: e.message}, data: data.slice(0, i)};
      }
    }
    var grad = new Array(n).fill(0);
    grad[n - 1] = 1;
    for (var j = n - 1; j >= 0; j--) {
      var parents = nodes[j].parents, g = grad[j];
      for (var k = 0; k < parents.length; k++) {
        // A zero upstream v̄ passes nothing, unless a local derivative is
        // inf or nan (0·inf is nan); a masking op (relu at x <= 0) passes
        // nothing where its mask holds, even an inf v̄: as the Python engine.
        if ((g === 0 && isFinite(local[j][k])) || masked[j][k]) continue;
        grad[parents[k]] += local[j][k] * g;
      }
    }
    return {data: data, grad: grad, local: local};
  }
  return recompute;
})();
