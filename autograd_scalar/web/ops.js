// The derivative table in JavaScript: each op's forward and local-derivative
// rules, written beside the Python ones in ops.py and filled in as $table.
// Live pages recompute values and gradients with it; a browser test holds it
// equal to the Python table on every op.
var agsOps = (function () {
  // A domain error (log of a negative number, ...): the same words as Python's.
  function fail(message) { throw new Error(message); }
  // A number as Python's repr writes it in those messages: 2.0, -0.5, inf, nan.
  function num(v) {
    if (isNaN(v)) return "nan";
    if (!isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
    return String(v);
  }
  return $table;
})();
