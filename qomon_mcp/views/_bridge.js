// The host protocol of MCP Apps (io.modelcontextprotocol/ui), spoken by hand: JSON-RPC 2.0 over
// postMessage with the parent window. ui/initialize, then ui/notifications/initialized; the host then
// sends the tool's input and its result. Nothing here reaches the network.
const qomon = (() => {
  let nextId = 1;
  let render = null;
  const pending = new Map();
  const send = (message) => window.parent.postMessage({ jsonrpc: "2.0", ...message }, "*");
  const request = (method, params) => {
    const id = nextId++;
    send({ id, method, params });
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  const notify = (method, params) => send({ method, params: params || {} });

  const STYLE_KEY = /^--[a-z0-9-]+$/;
  function applyContext(context) {
    if (!context || typeof context !== "object") return;
    if (context.theme === "light" || context.theme === "dark") {
      document.documentElement.dataset.theme = context.theme;
    }
    const variables = context.styles && context.styles.variables;
    if (variables && typeof variables === "object") {
      for (const [key, value] of Object.entries(variables)) {
        // Colours, sizes and font names only: a value that could load something (a url) is left out.
        if (STYLE_KEY.test(key) && typeof value === "string" && !/\burl\s*\(/i.test(value)) {
          document.documentElement.style.setProperty(key, value);
        }
      }
    }
  }

  function structured(result) {
    if (result && result.structuredContent && typeof result.structuredContent === "object") {
      return result.structuredContent;
    }
    const text = result && Array.isArray(result.content) && result.content.find((c) => c && c.type === "text");
    try { return text ? JSON.parse(text.text) : null; } catch (_) { return null; }
  }

  function show(result) {
    const root = document.getElementById("root");
    root.replaceChildren();
    if (result && result.isError) {
      const text = result.content && result.content[0] && result.content[0].text;
      root.append(el("p", "error", text || "The tool answered with an error."));
    } else {
      const data = structured(result);
      if (data) render(data, root);
      else root.append(el("p", "muted", "Nothing to show."));
    }
  }

  window.addEventListener("message", (event) => {
    if (event.source !== window.parent) return;
    const message = event.data;
    if (!message || message.jsonrpc !== "2.0") return;
    if (!message.method && pending.has(message.id)) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter.reject(message.error); else waiter.resolve(message.result);
    } else if (message.method === "ui/notifications/tool-result") {
      show(message.params);
    } else if (message.method === "ui/notifications/host-context-changed") {
      applyContext(message.params);
    } else if (message.method === "ui/notifications/tool-cancelled") {
      document.getElementById("root").replaceChildren(el("p", "muted", "The call was cancelled."));
    } else if (message.id !== undefined && (message.method === "ping" || message.method === "ui/resource-teardown")) {
      send({ id: message.id, result: {} });
    }
  });

  function start(draw) {
    render = draw;
    request("ui/initialize", {
      protocolVersion: "2026-01-26",
      appInfo: { name: "qomon-mcp view", version: "1" },
      appCapabilities: { availableDisplayModes: ["inline"] },
    }).then((initialized) => {
      applyContext(initialized && initialized.hostContext);
      notify("ui/notifications/initialized");
    }, () => {});
    // The host sizes the frame to the page.
    let last = "";
    new ResizeObserver(() => {
      // The page's own box, not the frame's: a page that shrinks reports it, and the frame can follow.
      const box = document.documentElement.getBoundingClientRect();
      const size = { width: Math.ceil(box.width), height: Math.ceil(box.height) };
      const key = size.width + "x" + size.height;
      if (key !== last) { last = key; notify("ui/notifications/size-changed", size); }
    }).observe(document.documentElement);
  }

  // Builds an element whose text is set as text: values from the space are never parsed as HTML.
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A cell or field value as plain text: lists joined, objects as "key: value" pairs.
  function plain(value) {
    if (value === null || value === undefined) return "";
    if (Array.isArray(value)) return value.map(plain).join(", ");
    if (typeof value === "object") return Object.entries(value).map(([k, v]) => k + ": " + plain(v)).join("; ");
    return String(value);
  }

  const label = (key) => String(key).replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

  return { start, el, plain, label };
})();
