// A page's data: the JSON of its <script type="application/json"> element,
// written by names.script_json. JSON has no inf or nan, so a non-finite
// float arrives as {"$float": "inf" | "-inf" | "nan"}; here it becomes its
// number again, so the page computes and shows inf and nan as Python does.
var agsData = window.agsData || (function () {
  var FLOATS = {"inf": Infinity, "-inf": -Infinity, "nan": NaN};
  function revive(key, value) {
    return value !== null && typeof value === "object" && typeof value.$float === "string"
      ? FLOATS[value.$float] : value;
  }
  function read(element) { return JSON.parse(element.textContent, revive); }

  // agsData.fields: a page's record schema, as Python wrote it (trace/records.py):
  // each kind's field names in order, {"node": ["id", "op_id", "name", ...], ...},
  // turned into positions, so a script reads node[F.node.name], never node[2]. A
  // name the schema does not have is an error here, not an undefined field later.
  read.fields = function (fields) {
    var index = {};
    Object.keys(fields).forEach(function (kind) {
      var at = {};
      fields[kind].forEach(function (name, k) { at[name] = k; });
      index[kind] = new Proxy(at, {get: function (target, name) {
        if (typeof name === "string" && !(name in target)) {
          throw new Error("the page's " + kind + " records have no field " + name);
        }
        return target[name];
      }});
    });
    return index;
  };
  return read;
})();
