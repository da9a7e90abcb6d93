// Numbers and equations of a live page, written as the Python trace writes
// them (names.format_number, trace_text.equation, and repr in error
// messages); browser tests hold the two equal on recorded traces and on edge
// values.
var agsNumbers = window.agsNumbers || (function () {
  // A float as Python's f"{x:.6g}": 6 significant digits, no trailing zeros,
  // exponent form below 1e-4 and from 1e6 ("1.5e-07"), exact ties to even.
  function number(x) {
    if (isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    var sign = x < 0 ? "-" : "";
    if (x === 0) return "0";  // also -0, as Python's format_number: no "-0" shown
    var exact = Math.abs(x).toExponential(20), cut = exact.indexOf("e");
    var digits = exact[0] + exact.slice(2, cut), exp = parseInt(exact.slice(cut + 1), 10);
    if (digits[6] === "5" && /^0*$/.test(digits.slice(7)) && "02468".indexOf(digits[5]) >= 0) {
      digits = digits.slice(0, 6);  // a tie, and Python rounds half to even
    } else {
      var rounded = Math.abs(x).toExponential(5);
      cut = rounded.indexOf("e");
      digits = rounded[0] + rounded.slice(2, cut); exp = parseInt(rounded.slice(cut + 1), 10);
    }
    digits = digits.replace(/0+$/, "");
    if (exp < -4 || exp >= 6) {
      var mantissa = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    if (exp < 0) return sign + "0." + new Array(-exp).join("0") + digits;
    while (digits.length <= exp) digits += "0";
    var whole = digits.slice(0, exp + 1), fraction = digits.slice(exp + 1);
    return sign + whole + (fraction ? "." + fraction : "");
  }

  // A float as Python's repr writes it (error messages say numbers this way):
  // the shortest digits that read back as x, which JavaScript's String(x) also
  // gives, laid out as Python does: exponent form below 1e-4 and from 1e16
  // ("1e-05", "1.5e+16"), else positional with a decimal point ("2.0", "-0.0").
  function repr(x) {
    if (isNaN(x)) return "nan";
    if (!isFinite(x)) return x > 0 ? "inf" : "-inf";
    var sign = (x < 0 || (x === 0 && 1 / x < 0)) ? "-" : "";
    if (x === 0) return sign + "0.0";
    var parts = /^(\d+)(?:\.(\d+))?(?:e([-+]\d+))?$/.exec(String(Math.abs(x)));
    var all = parts[1] + (parts[2] || ""), lead = /^0*/.exec(all)[0].length;
    var exp = parseInt(parts[3] || "0", 10) + parts[1].length - 1 - lead;
    var digits = all.slice(lead).replace(/0+$/, "");
    if (exp < -4 || exp >= 16) {
      var mantissa = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "");
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    if (exp < 0) return sign + "0." + new Array(-exp).join("0") + digits;
    while (digits.length <= exp) digits += "0";
    return sign + digits.slice(0, exp + 1) + "." + (digits.slice(exp + 1) || "0");
  }

  // A number as a factor of a product: negative numbers in parentheses.
  function factor(x) {
    var text = number(x);
    return text[0] === "-" ? "(" + text + ")" : text;
  }

  // One step's equation: its names-only head (trace_text.equation_head), then
  // v̄_j·∂v_j/∂v_i for each term [v̄_j, ∂v_j/∂v_i] and the sum v̄_i.
  function equation(head, terms, grad) {
    if (!terms.length) return head + " = " + number(grad);
    return head + " = " + terms.map(function (t) {
      return factor(t[0]) + "\u00b7" + factor(t[1]);
    }).join(" + ") + " = " + number(grad);
  }

  return {number: number, repr: repr, factor: factor, equation: equation};
})();
