// Search when the site is opened from disk. The theme's search runs in a Web
// Worker, and browsers refuse to start one from a file:// page; Material's
// offline plugin would fetch a shim for that from a CDN, and this site fetches
// nothing. So on file:// pages a worker's script runs in a hidden frame of the
// page instead, with the same messages both ways. Over http nothing changes.
(function () {
  if (location.protocol !== "file:") return;

  class FrameWorker extends EventTarget {
    constructor(url) {
      super();
      const frame = document.createElement("iframe");
      frame.hidden = true;
      frame.title = "search";
      document.body.appendChild(frame);
      this.inner = frame.contentWindow;
      this.pending = [];
      // The worker's own postMessage answers the page.
      this.inner.postMessage = (data) => setTimeout(() => this.deliver(data));
      const script = this.inner.document.createElement("script");
      script.src = new URL(url, location.href).href;
      script.onload = () => {
        const waiting = this.pending;
        this.pending = null;
        waiting.forEach((data) => this.postMessage(data));
      };
      this.inner.document.head.appendChild(script);
    }

    deliver(data) {
      const event = new MessageEvent("message", { data: data });
      if (typeof this.onmessage === "function") this.onmessage(event);
      this.dispatchEvent(event);
    }

    postMessage(data) {
      if (this.pending) {
        this.pending.push(data);
        return;
      }
      const inner = this.inner;
      setTimeout(() => inner.dispatchEvent(new inner.MessageEvent("message", { data: data })));
    }

    terminate() {}
  }

  window.Worker = FrameWorker;
})();
