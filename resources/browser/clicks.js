// Runs in every page: notes a link clicked with a modifier key held, because the downloads
// API never sees the keyboard. The background decides (with the options' key) whether that
// download stays in the browser. Nothing is sent for a plain click.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;

  function linkOf(event) {
    const path = typeof event.composedPath === "function" ? event.composedPath() : [];
    for (const node of [...path, event.target]) {
      if (node && node.closest) {
        const a = node.closest("a[href], area[href]");
        if (a) return a.href;
      }
    }
    return "";
  }

  function onClick(event) {
    if (!(event.altKey || event.shiftKey || event.ctrlKey || event.metaKey)) return;
    const url = linkOf(event);
    if (!url) return;
    const keys = { alt: event.altKey, shift: event.shiftKey, ctrl: event.ctrlKey || event.metaKey };
    try {
      api.runtime.sendMessage({ type: "tether-click", url, keys }).catch(() => {});
    } catch {
      // the extension was reloaded: this page's script is orphaned
    }
  }

  // mousedown comes first (the download cannot start before it), click covers the keyboard
  for (const type of ["mousedown", "click", "auxclick"]) {
    window.addEventListener(type, onClick, { capture: true, passive: true });
  }
})();
