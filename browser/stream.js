// One query's event stream, on the resumable API: POST /v1/queries creates the query,
// GET /v1/queries/{id}/events streams its events (Server-Sent Events). A query created
// earlier (its id kept in the page's URL) is replayed from its first event with resume(id):
// the same events in the same order, then the live ones if it is still running.
//
// The stream is read with fetch() rather than EventSource: a network chunk holding many
// events is one task here, where EventSource dispatches each event as a task of its own,
// which at thousands of deltas a second starves the page's frames. When the connection
// drops, this reconnects at once (then backing off) and sends Last-Event-ID, the id of the
// last event it applied; the server sends exactly the events after it. Events are handed
// on in order, each id once: anything at or below the last id applied is dropped.

import { apiFetch } from "./auth.js";

export const EVENT_TYPES = new Set([
  "status", "query", "source", "fetch", "ranked", "delta", "lane", "warning", "metrics", "error", "done",
]);

const MAX_RETRIES = 8;
const CANCEL_WAIT_MS = 3000;

export class QueryStream {
  /**
   * `handlers`: created(doc), event(type, data, id), rejected(error, status), lost(),
   * resumed(), failed(code), gone(code), cancelled(). gone(code) says the query is no
   * longer kept (`query_expired`) or was never known here (`query_not_found`).
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.id = null;
    this.eventsURL = null;
    this.lastId = 0;
    this.controller = null;
    this.closed = false;
    this.lost = false;
    this.retries = 0;
    this.timer = null;
    this.cancelRequested = false;
    this.session = null; // the events response's Sift-Session header: the session the query belongs to
  }

  /** Creates the query (`request` is the POST body: q, session?, models?, merge?) and reads its stream. */
  async start(request) {
    let response;
    let body = null;
    try {
      response = await apiFetch("/v1/queries", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(request),
      });
      body = await response.json().catch(() => null);
    } catch {
      if (!this.closed) this.handlers.rejected({ code: "unreachable", message: "" }, 0);
      this.closed = true;
      return;
    }
    if (!response.ok || !body || !body.events_url) {
      this.closed = true;
      const error = body?.error ?? { code: "http_" + response.status, message: "HTTP " + response.status };
      this.handlers.rejected(error, response.status);
      return;
    }
    this.id = body.id;
    this.eventsURL = body.events_url;
    if (this.cancelRequested) {
      this.closed = true;
      this.delete();
      this.handlers.cancelled();
      return;
    }
    if (this.closed) return;
    this.handlers.created(body);
    await this.follow();
  }

  /** Reads query `id`, created earlier, from its first event: a replay, live once it catches up. */
  async resume(id) {
    this.id = id;
    this.eventsURL = "/v1/queries/" + encodeURIComponent(id) + "/events";
    await this.follow();
  }

  /** Reads the stream until `done`, reconnecting after the last event applied when it drops. */
  async follow() {
    while (!this.closed) {
      const outcome = await this.connect();
      if (this.closed) return;
      if (outcome.gone) {
        this.close();
        this.handlers.gone(outcome.gone);
        return;
      }
      // The connection dropped (or never opened) before `done`.
      if (!this.lost) {
        this.lost = true;
        this.handlers.lost();
      }
      this.retries += 1;
      if (this.retries > MAX_RETRIES) {
        this.close();
        this.handlers.failed(outcome.status ? "http_" + outcome.status : "unreachable");
        return;
      }
      // At once the first time (a dropped connection is usually back), then backing off.
      const delay = this.retries === 1 ? 0 : Math.min(5000, 250 * 2 ** (this.retries - 2));
      await new Promise((resolve) => {
        this.timer = setTimeout(resolve, delay);
      });
    }
  }

  /**
   * One connection: resolves when it ends, with {gone: code} (404, 410: the error's code),
   * {status} (another HTTP error), or {} (dropped, or never opened).
   */
  async connect() {
    const controller = new AbortController();
    this.controller = controller;
    const headers = { Accept: "text/event-stream" };
    if (this.lastId > 0) headers["Last-Event-ID"] = String(this.lastId);
    try {
      const response = await apiFetch(this.eventsURL, { headers, cache: "no-store", signal: controller.signal });
      if (response.status === 404 || response.status === 410) {
        const body = await response.json().catch(() => null);
        return { gone: body?.error?.code ?? (response.status === 410 ? "query_expired" : "query_not_found") };
      }
      if (!response.ok || !response.body) return { status: response.status };
      this.retries = 0;
      this.session = response.headers.get("Sift-Session") ?? this.session;
      if (this.lost) {
        this.lost = false;
        this.handlers.resumed();
      }
      await this.read(response.body);
      return {};
    } catch {
      return {};
    }
  }

  /** Parses Server-Sent Events from `body` as chunks arrive, handing on each complete event. */
  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.closed) return;
        buffer += value;
        // SSE lines may end in \r\n or \r as well as \n; a \r at the end may be half of a \r\n.
        if (buffer.includes("\r")) {
          const held = buffer.endsWith("\r") ? "\r" : "";
          buffer = buffer.slice(0, buffer.length - held.length).replace(/\r\n?/g, "\n") + held;
        }
        let start = 0;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n", start)) {
          this.dispatch(buffer.slice(start, end));
          start = end + 2;
          if (this.closed) return;
        }
        buffer = buffer.slice(start);
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  /** One event block: `id:`, `event:` and `data:` lines (comments such as `: ping` are skipped). */
  dispatch(block) {
    let id = null;
    let type = "message";
    let data = null;
    for (const line of block.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "data") data = data === null ? value : data + "\n" + value;
      else if (field === "event") type = value;
      else if (field === "id") id = Number(value);
    }
    if (data === null || !EVENT_TYPES.has(type)) return;
    if (Number.isInteger(id) && id > 0) {
      if (id <= this.lastId) return;
      this.lastId = id;
    }
    let payload;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (type === "done") this.close();
    this.handlers.event(type, payload, id);
  }

  delete() {
    if (this.id === null) return;
    apiFetch("/v1/queries/" + encodeURIComponent(this.id), { method: "DELETE" }).catch(() => {});
  }

  /** Cancels the query; its `done` (outcome cancelled) still arrives on the stream. */
  cancel() {
    if (this.closed || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.id === null) return; // start() cancels it as soon as it has an id.
    this.delete();
    clearTimeout(this.cancelTimer);
    this.cancelTimer = setTimeout(() => {
      if (this.closed) return;
      this.close();
      this.handlers.cancelled();
    }, CANCEL_WAIT_MS);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.cancelTimer);
    this.controller?.abort();
  }
}
