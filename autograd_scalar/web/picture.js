// A drawing arrives as an image with a data: URL (image/svg+xml), so that every viewer
// shows a picture (an untrusted notebook drops inline SVG and every script).
// A page whose script runs swaps the image for the inline SVG it restyles.
var agsInlinePicture = window.agsInlinePicture || (function () {
  return function (img) {
    if (!img || img.tagName !== "IMG") return img;
    var src = img.getAttribute("src"), holder = document.createElement("div");
    holder.innerHTML = decodeURIComponent(src.slice(src.indexOf(",") + 1));
    var svg = holder.querySelector("svg");
    img.replaceWith(svg);
    return svg;
  };
})();
