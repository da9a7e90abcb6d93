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
  return function (element) { return JSON.parse(element.textContent, revive); };
})();
