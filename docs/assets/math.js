// MathJax 3 for this site: set its options, then load the bundle that the
// build copied into assets/mathjax/ (from the Python package
// django-static-mathjax). The SVG output draws each glyph as a path from the
// font data inside the bundle, so no font file is fetched: the math looks the
// same over http and from disk (where browsers refuse web fonts).
//
// Pages made from notebooks load this file as math.js?dollars: their markdown
// writes $...$ for inline math. The other pages get \(...\) and \[...\] from
// pymdownx.arithmatex, and a lone $ in their text stays a dollar sign.
(function () {
  var me = document.currentScript;
  var base = me.src.replace(/[?#].*$/, "").replace(/[^/]*$/, "");
  var dollars = /[?&]dollars(&|$)/.test(me.src);
  window.MathJax = {
    tex: {
      inlineMath: dollars ? [["$", "$"], ["\\(", "\\)"]] : [["\\(", "\\)"]],
      displayMath: [["$$", "$$"], ["\\[", "\\]"]],
      processEscapes: true,
      processEnvironments: true,
    },
    svg: { fontCache: "global" },
    options: {
      // The accessibility extensions would fetch their speech rules on demand.
      menuOptions: { settings: { assistiveMml: false, explorer: false } },
    },
  };
  var script = document.createElement("script");
  script.src = base + "mathjax/tex-svg-full.js";
  script.async = true;
  document.head.appendChild(script);
})();
