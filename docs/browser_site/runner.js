// The browser pages' shared runner: start Python (Pyodide) and the real package once,
// run cells of code in it, and draw their outputs. Every file comes from this site.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const here = (path) => new URL(path, location.href).href;
let booted = null;

// Python with autograd_scalar installed and the browser's Graphviz loaded; resolves to
// {pyodide, runner, seconds}. Started once per page.
export function start(onStatus = () => {}) {
  if (!booted) booted = boot(onStatus);
  return booted;
}

async function boot(onStatus) {
  const t0 = performance.now();
  const stages = {}; // milliseconds since the page began loading, by stage
  onStatus("loading Python…");
  // Graphviz (viz-js) compiles while Python starts; autograd_scalar.viz.browser
  // takes this promise instead of loading its own.
  globalThis.AGS_VIZ = import(here("pyodide/viz.js")).then((module) => module.instance());
  const [config, runnerSource, pyodide] = await Promise.all([
    fetch(here("config.json")).then((r) => r.json()),
    fetch(here("runner.py")).then((r) => r.text()),
    loadPyodide({ indexURL: here("pyodide/") }),
  ]);
  stages.python = performance.now();
  onStatus("installing autograd_scalar…");
  await pyodide.loadPackage(config.wheels.map(here), { messageCallback: () => {} });
  pyodide.FS.writeFile("/home/pyodide/ags_runner.py", runnerSource);
  stages.installed = performance.now();
  onStatus("loading Graphviz…");
  await pyodide.runPythonAsync(
    "import sys; sys.path.insert(0, '/home/pyodide')\n" +
      "import ags_runner\n" +
      "from autograd_scalar.viz import browser\n" +
      "await browser.setup()\n"
  );
  stages.imported = performance.now();
  const runner = pyodide.pyimport("ags_runner");
  return { pyodide, runner, config, stages, seconds: (performance.now() - t0) / 1000 };
}

// A fresh namespace for a page's cells (a Python dict).
export async function namespace() {
  const { pyodide } = await start();
  return pyodide.globals.get("dict")();
}

// Run code in the namespace; its outputs (see runner.py) and how long it took in ms.
export async function run(code, scope) {
  const { runner } = await start();
  const t0 = performance.now();
  const outputs = JSON.parse(await runner.run_cell(code, scope));
  return { outputs, ms: performance.now() - t0 };
}

// Scripts inserted as HTML do not run; put each back as a new script element so
// the package's pages (the trace stepper) come alive, as Jupyter does.
function revive(element) {
  for (const old of element.querySelectorAll("script")) {
    const script = document.createElement("script");
    for (const attr of old.attributes) script.setAttribute(attr.name, attr.value);
    script.textContent = old.textContent;
    old.replaceWith(script);
  }
}

function textBlock(text, className) {
  const pre = document.createElement("pre");
  pre.className = className;
  pre.textContent = text;
  return pre;
}

function displayed(data) {
  const div = document.createElement("div");
  div.className = "ags-output-display";
  if (data["text/html"] !== undefined) {
    div.innerHTML = data["text/html"];
  } else if (data["image/svg+xml"] !== undefined) {
    div.innerHTML = data["image/svg+xml"];
  } else if (data["text/latex"] !== undefined) {
    div.className = "ags-output-latex"; // typeset by MathJax where the page loads it
    div.textContent = data["text/latex"];
  } else {
    const text = data["text/markdown"] ?? data["text/plain"] ?? "";
    return textBlock(text, "ags-output-text");
  }
  return div;
}

// Draw outputs into container (emptied first); returns the number of errors.
export function show(outputs, container) {
  container.replaceChildren();
  let errors = 0;
  for (const out of outputs) {
    if (out.type === "stream") {
      container.append(textBlock(out.text, `ags-output-stream ags-${out.name}`));
    } else if (out.type === "error") {
      errors += 1;
      container.append(textBlock(out.text, "ags-output-error"));
    } else {
      const node = displayed(out.data);
      container.append(node);
      revive(node);
    }
  }
  return errors;
}
