// Practice mode of the trace page: before each step is revealed, the learner
// types v̄ of its node. Right (within 3 significant digits: |x - v̄| <= 1e-3·|v̄| +
// 1e-6) reveals the step; wrong climbs a hint ladder (the children to sum over,
// the rule of each local derivative, the numbers to multiply), then the answer
// is shown, marked as revealed. Points per step: 3 with no hint, 2, 1, 0 when
// revealed. The trace shows nothing beyond the steps already answered
// (trace.js clamps stepping and clicking to t.limit). The answers are the
// engine's numbers, recorded in the page's step data.
var agsPracticeStart = window.agsPracticeStart || (function () {
  var REL = 1e-3, ABS = 1e-6, POINTS = 3;

  function Practice(t) {
    var self = this, panel = t.root.querySelector(".ags-practice");
    this.t = t; this.steps = t.data.steps; this.S = t.F.step; this.T = t.F.term;
    this.prompt = panel.querySelector(".ags-prompt");
    this.input = panel.querySelector(".ags-answer");
    this.feedback = panel.querySelector(".ags-feedback");
    this.scoreText = panel.querySelector(".ags-score");
    this.log = panel.querySelector(".ags-log");
    panel.querySelector(".ags-check").addEventListener("click", function () { self.submit(); });
    panel.querySelector(".ags-show").addEventListener("click", function () { self.reveal(); });
    panel.querySelector(".ags-reset").addEventListener("click", function () { self.reset(); });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); self.submit(); }
    });
    this.reset();
  }

  Practice.prototype.name = function (s) { return this.t.nodeName(this.steps[s][this.S.node]); };

  Practice.prototype.reset = function () {
    this.k = 1; this.hints = 0; this.points = 0;
    this.log.textContent = "";
    this.feedback.textContent = "";
    this.ask();
  };

  // Reveal steps 0..k-1 and ask for step k's v̄.
  Practice.prototype.ask = function () {
    var t = this.t, n = this.steps.length;
    t.limit = this.k - 1; t.show(this.k - 1);
    this.hints = 0;
    this.scoreText.textContent = "score " + this.points + " of " + POINTS * (this.k - 1) +
        " (" + (this.k - 1) + " of " + (n - 1) + " steps answered)";
    this.input.value = "";
    this.mark(-1);
    if (this.k >= n) {
      this.prompt.textContent = "All " + n + " steps done: every gradient is revealed.";
      this.input.disabled = true;
      return;
    }
    this.input.disabled = false;
    this.mark(this.k);
    this.prompt.textContent = "Step " + (this.k + 1) + " of " + n + ": v\u0304[" + this.name(this.k) + "] =";
  };

  // The node being asked about gets a dashed outline (the trace's own classes
  // mark the revealed step).
  Practice.prototype.mark = function (s) {
    var asked = this.t.root.querySelector(".ags-asked");
    if (asked) asked.classList.remove("ags-asked");
    var g = s >= 0 && this.t.nodes[this.steps[s][this.S.node]].g;
    if (g) { g.classList.add("ags-asked"); this.t.keepInView(g); }
  };

  Practice.prototype.right = function (x) {
    var g = Number(this.steps[this.k][this.S.grad]);
    return Math.abs(x - g) <= REL * Math.abs(g) + ABS;
  };

  Practice.prototype.hint = function (level) {
    var t = this.t, T = this.T, step = this.steps[this.k], terms = step[this.S.terms];
    var name = this.name(this.k);
    if (level === 1) {
      return "Hint 1: sum over the children of " + name + ", the nodes computed from it: " +
          terms.map(function (term) { return t.nodeName(term[T.consumer]); }).join(", ") + ".";
    }
    var d = t.derivativeName(step[this.S.node]);  // ∂(exp(x) + y)/∂x
    if (level === 2) {
      return "Hint 2: the local derivatives by the rules: " + terms.map(function (term) {
        return "\u2202" + t.derivativeName(term[T.consumer]) + "/\u2202" + d + " by " + term[T.rule];
      }).join("; ") + ".";
    }
    return "Hint 3: multiply and add: " + terms.map(function (term) {
      var j = term[T.consumer];
      return "(\u2202" + t.derivativeName(j) + "/\u2202" + d + " = " + term[T.local] +
          ") \u00b7 (v\u0304[" + t.nodeName(j) + "] = " + term[T.consumer_grad] + ")";
    }).join(" + ") + ".";
  };

  Practice.prototype.record = function (points, how) {
    var item = document.createElement("li");
    item.textContent = "v\u0304[" + this.name(this.k) + "] = " + this.steps[this.k][this.S.grad] + ": " +
        how + ", " + points + " of " + POINTS;
    this.log.appendChild(item);
    this.points += points; this.k += 1;
    this.ask();
  };

  Practice.prototype.submit = function () {
    var text = this.input.value.trim();
    if (this.k >= this.steps.length || !text) return;
    var x = Number(text);
    if (isNaN(x)) { this.feedback.textContent = "Type a number, like -1.5 or 0.25."; return; }
    if (this.right(x)) {
      this.feedback.textContent = "Right: " + this.steps[this.k][this.S.equation];
      this.record(POINTS - this.hints, this.hints ? "right after " + this.hints + " hint(s)" : "right");
      return;
    }
    if (this.hints < 3) {
      this.hints += 1;
      this.feedback.textContent = "Not yet. " + this.hint(this.hints);
      this.input.select();  // the next keys replace the wrong answer
      return;
    }
    this.reveal();
  };

  Practice.prototype.reveal = function () {
    if (this.k >= this.steps.length) return;
    this.feedback.textContent = "Revealed: " + this.steps[this.k][this.S.equation];
    this.record(0, "revealed");
  };

  return function (t) { t.practice = new Practice(t); };
})();
