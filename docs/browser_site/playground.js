// The playground: an editor, Run, and the outputs of the real package running in the page.
// The code lives in the URL fragment (#code=<base64url of UTF-8>), so a link shares it.
import { namespace, run, show, start } from "./runner.js";

const EXAMPLES = {
  paths: `from autograd_scalar import Value, trace_backward, viz
from IPython.display import HTML, display

# The sum-over-paths example: a and b each reach o
# along two paths, through c and through d.
a = Value(2.0, label="a")
b = Value(3.0, label="b")
c = a + b; c.label = "c"
d = a * b; d.label = "d"
o = c * d / 2; o.label = "o"
o.backward()

print("o =", o.data)
print("a.grad =", a.grad)  # 10.5 = 3·1 (via c) + 2.5·3 (via d)
print("b.grad =", b.grad)  # 8 = 3·1 (via c) + 2.5·2 (via d)
display(viz.draw(o))

# Step through the backward pass; edit a and b below.
HTML(trace_backward(o).to_html(live=True, full_page=False))
`,
  neuron: `from autograd_scalar import Value, trace_backward, viz
from IPython.display import HTML, display

# One neuron: out = tanh(w1·x1 + w2·x2 + b).
x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
b = Value(6.8813735870195432, label="b")
n = x1 * w1 + x2 * w2 + b; n.label = "n"
out = n.tanh(); out.label = "out"
out.backward()

for v in (x1, w1, x2, w2, b):
    print(f"{v.label}.grad = {v.grad:.4f}")
display(viz.draw(out))
HTML(trace_backward(out).to_html(live=True, full_page=False))
`,
  practice: `from autograd_scalar import Value, trace_backward

# Practice: before each step of the backward pass is shown,
# type the adjoint v̄ of its node and press Enter.
a = Value(2.0, label="a")
b = Value(3.0, label="b")
c = a + b; c.label = "c"
d = a * b; d.label = "d"
o = c * d / 2; o.label = "o"

trace_backward(o).practice()
`,
};

const editor = document.getElementById("code");
const runButton = document.getElementById("run");
const output = document.getElementById("output");
const status = document.getElementById("status");
const example = document.getElementById("example");
let scope = null;

function encode(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

function codeFromLink() {
  const match = /^#code=([A-Za-z0-9_-]*)$/.exec(location.hash);
  if (!match) return null;
  try {
    return decode(match[1]);
  } catch {
    status.textContent = "the link's code could not be read; showing the example";
    return null;
  }
}

async function runCode() {
  runButton.disabled = true;
  document.body.dataset.state = "running";
  history.replaceState(null, "", `#code=${encode(editor.value)}`);
  status.textContent = "running…";
  scope = await namespace(); // each Run starts clean, as a script would
  const { outputs, ms } = await run(editor.value, scope);
  const errors = show(outputs, output);
  status.textContent = errors ? "stopped with an error" : `ran in ${Math.round(ms)} ms`;
  // Milliseconds since the page began loading, for benchmarks/browser_start.py.
  window.agsTimes.firstOutput ??= performance.now();
  document.body.dataset.state = "done";
  runButton.disabled = false;
}

example.addEventListener("change", () => {
  editor.value = EXAMPLES[example.value];
});
runButton.addEventListener("click", runCode);
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    if (!runButton.disabled) runCode();
  }
});
document.getElementById("share").addEventListener("click", async () => {
  history.replaceState(null, "", `#code=${encode(editor.value)}`);
  try {
    await navigator.clipboard.writeText(location.href);
    status.textContent = "link copied";
  } catch {
    status.textContent = "the address bar holds the link";
  }
});

editor.value = codeFromLink() ?? EXAMPLES.paths;
document.body.dataset.state = "loading";
window.agsTimes = {};
start((text) => (status.textContent = text)).then(
  ({ seconds, stages }) => {
    Object.assign(window.agsTimes, stages);
    status.textContent = `Python ready in ${seconds.toFixed(1)} s`;
    runCode();
  },
  (error) => {
    status.textContent = `Python did not start: ${error.message}`;
    document.body.dataset.state = "failed";
  }
);
