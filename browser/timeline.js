// The progress timeline: one row per stage (analyzing, searching with a line per
// provider, fetching n of m pages, ranking, synthesizing, done), each with the time it
// started and how long it took; the running stage's time counts up.

import { el, formatMs } from "./dom.js";

const LABELS = {
  analyzing: "Analyzing the question",
  searching: "Searching",
  fetching: "Reading pages",
  ranking: "Ranking passages",
  synthesizing: "Writing the answer",
  done: "Done",
};

class Row {
  constructor(stage, start) {
    this.stage = stage;
    this.start = start;
    this.end = null;
    this.failed = false;
    this.detail = "";
    this.element = el("li", "step active");
    this.element.dataset.stage = stage;
    this.labelNode = el("span", "label", LABELS[stage] ?? stage);
    this.detailNode = el("span", "detail");
    this.timeNode = el("span", "time");
    this.element.append(this.labelNode, this.detailNode, this.timeNode);
    this.sub = null;
  }

  render(now) {
    this.detailNode.textContent = this.detail;
    const finished = this.end !== null;
    this.element.classList.toggle("active", !finished);
    this.element.classList.toggle("finished", finished && !this.failed);
    this.element.classList.toggle("failed", this.failed);
    if (this.stage === "done") {
      this.timeNode.textContent = formatMs(this.start);
    } else {
      const took = (finished ? this.end : now) - this.start;
      this.timeNode.textContent = "at " + formatMs(this.start) + " · " + formatMs(Math.max(0, took));
    }
  }
}

export class Timeline {
  /** `list` is the <ol>; `announce(text)` speaks stage changes through an aria-live region. */
  constructor(list, frame, announce) {
    this.list = list;
    this.frame = frame;
    this.announce = announce;
    this.render = this.render.bind(this);
    this.reset();
  }

  reset() {
    this.rows = new Map();
    this.providers = new Map();
    this.fetches = { started: 0, done: 0, failed: 0, skipped: 0 };
    this.origin = null;
    this.finished = false;
    clearInterval(this.ticker);
    this.ticker = null;
    this.list.replaceChildren();
  }

  /** Server milliseconds since the query started, on this page's clock. */
  now() {
    return this.origin === null ? 0 : performance.now() - this.origin;
  }

  /**
   * Every event passes here first: it sets the clock origin. An event never arrives before
   * it happened, so the earliest origin any event implies is the closest to the query's
   * start; a replay of a query that began before the page loaded catches up this way.
   */
  seen(elapsed) {
    if (!Number.isFinite(elapsed)) return;
    const origin = performance.now() - elapsed;
    if (this.origin === null || origin < this.origin) this.origin = origin;
    if (this.ticker === null && !this.finished) this.ticker = setInterval(() => this.frame.request(this.render), 200);
  }

  row(stage, start) {
    let row = this.rows.get(stage);
    if (!row) {
      row = new Row(stage, start);
      this.rows.set(stage, row);
      this.list.append(row.element);
    }
    return row;
  }

  end(stage, at) {
    const row = this.rows.get(stage);
    if (row && row.end === null) row.end = at;
  }

  status(data) {
    const at = data.elapsed_ms;
    // A new stage ends the ones before it (fetching runs on until its pages are read).
    for (const [stage, row] of this.rows) {
      if (stage !== "fetching" || data.stage === "ranking" || data.stage === "synthesizing") {
        if (row.end === null && stage !== data.stage) row.end = at;
      }
    }
    const row = this.row(data.stage, at);
    if (data.stage === "searching") {
      for (const name of data.providers ?? []) this.provider(name);
    }
    if (data.stage === "fetching" || data.stage === "ranking") {
      // Every provider has answered by now.
      for (const provider of this.providers.values()) if (!provider.failed) provider.answered = true;
    }
    if (data.stage !== "fetching" || this.fetches.started === 0) this.announce(LABELS[data.stage] ?? data.message);
    row.element.title = data.message;
    this.frame.request(this.render);
  }

  query(data) {
    const row = this.rows.get("analyzing");
    if (row) {
      const parts = [data.kind];
      if (data.complexity) parts.push("complexity " + data.complexity);
      if (data.context) parts.push("follow-up about " + data.context);
      row.detail = parts.join(", ");
      row.end = data.elapsed_ms;
    }
    this.frame.request(this.render);
  }

  provider(name) {
    let provider = this.providers.get(name);
    if (!provider) {
      const searching = this.row("searching", 0);
      if (!searching.sub) {
        searching.sub = el("ul", "providers");
        searching.element.append(searching.sub);
      }
      provider = { name, sources: new Set(), first: null, failed: false, reason: "", answered: false, node: el("li", "provider-line") };
      this.providers.set(name, provider);
      searching.sub.append(provider.node);
    }
    return provider;
  }

  source(data) {
    for (const name of data.providers ?? []) {
      const provider = this.provider(name);
      if (provider.first === null) provider.first = data.elapsed_ms;
      provider.answered = true;
      provider.sources.add(data.n);
    }
    this.frame.request(this.render);
  }

  warning(data) {
    if (data.provider && data.code.startsWith("provider_")) {
      const provider = this.provider(data.provider);
      provider.failed = true;
      provider.reason = data.code.slice("provider_".length).replaceAll("_", " ");
      this.frame.request(this.render);
    }
  }

  fetch(data) {
    const at = data.elapsed_ms;
    const row = this.row("fetching", at);
    if (data.state === "started") this.fetches.started += 1;
    else if (data.state in this.fetches) this.fetches[data.state] += 1;
    const settled = this.fetches.done + this.fetches.failed + this.fetches.skipped;
    const parts = [settled + " of " + this.fetches.started + " page" + (this.fetches.started === 1 ? "" : "s")];
    if (this.fetches.failed) parts.push(this.fetches.failed + " failed");
    if (this.fetches.skipped) parts.push(this.fetches.skipped + " skipped");
    row.detail = parts.join(", ");
    if (settled === this.fetches.started) row.end = at;
    else row.end = null;
    this.frame.request(this.render);
  }

  ranked(data) {
    const row = this.rows.get("ranking");
    if (row) {
      row.detail = data.passages.length + " passage" + (data.passages.length === 1 ? "" : "s");
      row.end = data.elapsed_ms;
    }
    this.frame.request(this.render);
  }

  synthesizer(name) {
    const row = this.rows.get("synthesizing");
    if (row) row.detail = name;
    this.frame.request(this.render);
  }

  done(data, label) {
    for (const row of this.rows.values()) if (row.end === null) row.end = data.elapsed_ms;
    for (const provider of this.providers.values()) provider.answered = true;
    const row = this.row("done", data.elapsed_ms);
    row.labelNode.textContent = label;
    row.end = data.elapsed_ms;
    row.failed = data.outcome !== "complete";
    this.finished = true;
    clearInterval(this.ticker);
    this.ticker = null;
    this.announce(label);
    this.frame.request(this.render);
  }

  /** The connection is gone for good: stop the clocks where they are. */
  stop() {
    const now = this.now();
    for (const row of this.rows.values()) if (row.end === null) { row.end = now; row.failed = true; }
    clearInterval(this.ticker);
    this.ticker = null;
    this.frame.request(this.render);
  }

  render() {
    const now = this.now();
    for (const row of this.rows.values()) row.render(now);
    for (const provider of this.providers.values()) {
      let text = provider.name + ": ";
      if (provider.failed) text += "failed (" + provider.reason + ")";
      else if (provider.sources.size) {
        const count = provider.sources.size;
        text += count + " source" + (count === 1 ? "" : "s") + ", first at " + formatMs(provider.first);
      }
      else if (provider.answered) text += "nothing found";
      else text += "searching…";
      provider.node.textContent = text;
      provider.node.classList.toggle("failed", provider.failed);
      provider.node.classList.toggle("active", !provider.failed && !provider.answered);
    }
  }
}
