// A lesson as a notebook in the page: its text, and its code cells to run in order in one Python.
import { namespace, run, show, start } from "./runner.js";

const status = document.getElementById("status");
const cells = document.getElementById("cells");
const runAll = document.getElementById("run-all");
const name = decodeURIComponent(location.hash.slice(1));
let scope = null;

// MathJax 3 (shipped in mathjax/, SVG output: no font is fetched) for the formulas
// of the text and of LaTeX outputs; $...$ inline as in the notebooks.
window.MathJax = {
  tex: { inlineMath: [["$", "$"], ["\\(", "\\)"]], processEscapes: true },
  svg: { fontCache: "global" },
  options: { menuOptions: { settings: { assistiveMml: false, explorer: false } } },
  startup: { typeset: false },
};
const mathjax = new Promise((resolve) => {
  const script = document.createElement("script");
  script.src = new URL("mathjax/tex-svg-full.js", location.href).href;
  script.onload = resolve;
  script.onerror = resolve; // the text stays readable as TeX
  document.head.append(script);
});

async function typeset(element) {
  await mathjax;
  if (window.MathJax.typesetPromise) await window.MathJax.typesetPromise([element]);
}

function codeCell(source, index) {
  const cell = document.createElement("div");
  cell.className = "ags-cell ags-cell-code";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = `[${index}] ▶`;
  button.title = "Run this cell (Shift+Enter)";
  const editor = document.createElement("textarea");
  editor.value = source;
  editor.spellcheck = false;
  editor.rows = Math.min(source.split("\n").length + 1, 30);
  editor.setAttribute("aria-label", `code cell ${index}`);
  const out = document.createElement("div");
  out.className = "ags-cell-out";
  cell.append(button, editor, out);
  cell.runCell = async () => {
    const { outputs } = await run(editor.value, scope);
    cell.dataset.errors = String(show(outputs, out));
    if (out.querySelector(".ags-output-latex")) await typeset(out);
    cell.dataset.ran = "yes";
    return Number(cell.dataset.errors);
  };
  button.addEventListener("click", () => cell.runCell());
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.shiftKey) {
      event.preventDefault();
      cell.runCell();
    }
  });
  return cell;
}

async function runAllCells() {
  runAll.disabled = true;
  document.body.dataset.state = "running";
  const code = [...cells.querySelectorAll(".ags-cell-code")];
  let errors = 0;
  for (const [k, cell] of code.entries()) {
    status.textContent = `running cell ${k + 1} of ${code.length}…`;
    errors += await cell.runCell();
  }
  status.textContent = errors ? `${errors} cell(s) stopped with an error` : "every cell ran";
  document.body.dataset.state = "done";
  runAll.disabled = false;
}

async function load() {
  const response = await fetch(new URL(`lessons/${name}.json`, location.href));
  if (!/^[\w-]+$/.test(name) || !response.ok) {
    status.textContent = `no lesson named "${name}" runs in the browser`;
    return;
  }
  let index = 0;
  cells.replaceChildren(
    ...(await response.json()).map((cell) => {
      if (cell.type === "code") return codeCell(cell.source, ++index);
      const text = document.createElement("div");
      text.className = "ags-cell ags-cell-markdown";
      text.innerHTML = cell.html; // written at build time from the lesson's Markdown
      return text;
    })
  );
  document.title = `${cells.querySelector("h1")?.textContent ?? name} (in your browser)`;
  typeset(cells);
  document.body.dataset.state = "loading";
  await start((text) => (status.textContent = text));
  scope = await namespace();
  status.textContent = "Python ready: run the cells";
  document.body.dataset.state = "ready";
  runAll.disabled = false;
}

runAll.addEventListener("click", runAllCells);
load().catch((error) => {
  status.textContent = `the lesson did not load: ${error.message}`;
  document.body.dataset.state = "failed";
});
