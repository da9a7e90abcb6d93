// Enhances the static list of frames into a stepper; scoped to one fragment,
// so several traces can share a notebook.
function agsTraceStart(root) {
  if (!root) return;
  var frames = root.querySelectorAll(".ags-frame"), slider = root.querySelector(".ags-slider"),
      pos = root.querySelector(".ags-pos"), k = 0;
  function show(i) {
    k = Math.max(0, Math.min(frames.length - 1, i));
    for (var j = 0; j < frames.length; j++) frames[j].classList.toggle("ags-active", j === k);
    slider.value = String(k);
    pos.textContent = "step " + (k + 1) + " of " + frames.length + ": node " +
        frames[k].getAttribute("data-node");
  }
  root.querySelector(".ags-prev").addEventListener("click", function () { show(k - 1); });
  root.querySelector(".ags-next").addEventListener("click", function () { show(k + 1); });
  slider.addEventListener("input", function () { show(parseInt(slider.value, 10)); });
  // The slider moves itself by one on arrow keys (reported as "input").
  root.addEventListener("keydown", function (e) {
    if (e.target === slider) return;
    if (e.key === "ArrowLeft") show(k - 1);
    else if (e.key === "ArrowRight") show(k + 1);
  });
  root.classList.add("ags-js");
  show(0);
}
