// The sources panel: one item per source as its `source` event arrives (an update
// replaces it), with its title, site, the providers that found it and its page's fetch state.

import { el, formatBytes, formatMs, safeHref } from "./dom.js";

export class SourcesPanel {
  constructor(list, counter, frame) {
    this.list = list;
    this.counter = counter;
    this.frame = frame;
    this.render = this.render.bind(this);
    this.reset();
  }

  reset() {
    this.sources = new Map();
    this.dirty = new Set();
    this.list.replaceChildren();
    this.counter.textContent = "";
  }

  /** Records a `source` event; returns whether it is a new source (not an update). */
  source(data) {
    const entry = this.sources.get(data.n);
    const isNew = !entry;
    this.sources.set(data.n, { ...entry, data, fetch: entry?.fetch ?? null });
    this.dirty.add(data.n);
    this.frame.request(this.render);
    return isNew;
  }

  fetch(data) {
    const entry = this.sources.get(data.n);
    if (!entry) return;
    entry.fetch = data;
    this.dirty.add(data.n);
    this.frame.request(this.render);
  }

  /** Sources for "copy answer with sources", in number order. */
  all() {
    return [...this.sources.values()].map((entry) => entry.data).sort((a, b) => a.n - b.n);
  }

  /** Marks source `n` and brings it into view; returns whether it exists. */
  highlight(n) {
    for (const item of this.list.querySelectorAll("li.highlighted")) item.classList.remove("highlighted");
    const item = document.getElementById("source-" + n);
    if (!item) return false;
    item.classList.add("highlighted");
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    item.scrollIntoView({ block: "nearest", behavior: smooth ? "smooth" : "auto" });
    item.focus({ preventScroll: true });
    return true;
  }

  render() {
    for (const n of [...this.dirty].sort((a, b) => a - b)) {
      const entry = this.sources.get(n);
      const item = build(entry);
      const old = document.getElementById("source-" + n);
      if (old) {
        if (old.classList.contains("highlighted")) item.classList.add("highlighted");
        const focused = document.activeElement === old;
        old.replaceWith(item);
        if (focused) item.focus({ preventScroll: true });
      } else {
        // Keep number order; sources mostly arrive in order, so this is usually an append.
        let before = null;
        for (const other of this.list.children) {
          if (Number(other.dataset.n) > n) {
            before = other;
            break;
          }
        }
        this.list.insertBefore(item, before);
      }
    }
    this.dirty.clear();
    const count = this.sources.size;
    this.counter.textContent = count ? String(count) : "";
  }
}

function build({ data, fetch }) {
  const item = el("li", "source");
  item.id = "source-" + data.n;
  item.dataset.n = String(data.n);
  item.tabIndex = -1;

  const head = el("div", "source-head");
  head.append(el("span", "n", data.n));
  const href = safeHref(data.url);
  const title = el(href ? "a" : "span", "title", data.title || data.url);
  if (href) {
    title.href = href;
    title.target = "_blank";
    title.rel = "noopener noreferrer";
  }
  head.append(title);

  const meta = el("div", "meta");
  meta.append(el("span", "site", site(data, href)));
  for (const provider of data.providers ?? []) meta.append(el("span", "chip provider", provider));
  const state = fetchState(fetch);
  if (state) meta.append(el("span", "chip fetch " + state.kind, state.text));

  item.append(head, meta);
  if (data.snippet) item.append(el("p", "snippet", data.snippet));
  return item;
}

function site(data, href) {
  if (href) return new URL(href).hostname.replace(/^www\./, "");
  if (data.collection) return data.collection;
  if (String(data.url).startsWith("kb://")) return "knowledge base";
  return String(data.url).split(":")[0] + ": link not followed";
}

function fetchState(fetch) {
  if (!fetch) return null;
  switch (fetch.state) {
    case "started":
      return { kind: "started", text: "reading…" };
    case "done":
      return { kind: "done", text: "read " + formatBytes(fetch.bytes) + " in " + formatMs(fetch.ms) };
    case "failed":
      return { kind: "failed", text: "not read: " + (fetch.reason || "failed") };
    case "skipped":
      return { kind: "skipped", text: "skipped: " + (fetch.reason || "not a page") };
    default:
      return null;
  }
}
