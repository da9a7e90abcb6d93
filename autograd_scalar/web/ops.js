// The derivative table in JavaScript: each op's forward and local-derivative
// rules, written beside the Python ones in ops.py and filled in as $table.
// Live pages recompute values and gradients with it; a browser test holds it
// equal to the Python table on every op.
var agsOps = window.agsOps || (function () {
  // A domain error (log of a negative number, ...): the same words as Python's.
  function fail(message) { throw new Error(message); }
  // A number as Python's repr writes it in those messages: 2.0, -0.5, 1e-05, inf.
  var num = agsNumbers.repr;
  // x ** y as Python computes it (C99's pow): ECMAScript's Math.pow differs
  // only where Python gives 1, at 1 ** nan and (+-1) ** +-inf (NaN there).
  function pow(x, y) {
    return x === 1 || (x === -1 && (y === Infinity || y === -Infinity)) ? 1 : Math.pow(x, y);
  }
  return $table;
})();
