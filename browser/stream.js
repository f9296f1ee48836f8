// One query's event stream, on the resumable API: POST /v1/queries creates the query,
// an EventSource reads GET /v1/queries/{id}/events. When the connection drops, the
// browser reconnects and sends Last-Event-ID, and the server sends exactly the events
// after it; if the browser gives up (an HTTP error on reconnecting), this reopens the
// stream itself with ?last_event_id=, backing off. Events are handed on in order, each
// id once: anything at or below the last id seen is dropped.

export const EVENT_TYPES = [
  "status", "query", "source", "fetch", "ranked", "delta", "lane", "warning", "metrics", "error", "done",
];

const MAX_RETRIES = 8;
const CANCEL_WAIT_MS = 3000;
const LOST_LIMIT_MS = 60000;

export class QueryStream {
  /**
   * `handlers`: created(doc), event(type, data, id), rejected(error, status), lost(),
   * resumed(), failed(code), cancelled().
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.id = null;
    this.eventsURL = null;
    this.lastId = 0;
    this.source = null;
    this.closed = false;
    this.lost = false;
    this.lostAt = 0;
    this.retries = 0;
    this.timer = null;
    this.cancelRequested = false;
  }

  /** Creates the query (`request` is the POST body: q, session?, models?, merge?) and opens its stream. */
  async start(request) {
    let response;
    let body = null;
    try {
      response = await fetch("/v1/queries", {
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
    this.open(this.eventsURL);
  }

  open(url) {
    const source = new EventSource(url);
    this.source = source;
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => this.receive(type, event, source));
    }
    source.addEventListener("open", () => {
      if (source !== this.source) return;
      this.retries = 0;
      if (this.lost) {
        this.lost = false;
        this.handlers.resumed();
      }
    });
    // The connection's errors; a server-sent `error` event is a MessageEvent and is handled above.
    source.addEventListener("error", (event) => {
      if (event instanceof MessageEvent || source !== this.source || this.closed) return;
      if (!this.lost) {
        this.lost = true;
        this.lostAt = performance.now();
        this.handlers.lost();
      }
      // CONNECTING: the browser reconnects by itself, with Last-Event-ID; after a minute
      // of that, or when it has given up (CLOSED), this takes over.
      if (source.readyState === EventSource.CLOSED || performance.now() - this.lostAt > LOST_LIMIT_MS) this.reconnect();
    });
  }

  receive(type, event, source) {
    if (!(event instanceof MessageEvent) || source !== this.source || this.closed) return;
    const id = Number(event.lastEventId);
    if (Number.isInteger(id) && id > 0) {
      if (id <= this.lastId) return;
      this.lastId = id;
    }
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (type === "done") this.close();
    this.handlers.event(type, data, id);
  }

  resumeURL() {
    const separator = this.eventsURL.includes("?") ? "&" : "?";
    return this.eventsURL + separator + "last_event_id=" + this.lastId;
  }

  /**
   * The browser gave up on the stream (an HTTP error on reconnecting, or no server):
   * ask the server what it knows, then reopen after the last event seen, backing off.
   */
  async reconnect() {
    this.source?.close();
    if (this.closed) return;
    this.retries += 1;
    const status = await this.probe();
    if (this.closed) return;
    if (status === 404 || status === 410 || this.retries > MAX_RETRIES) {
      this.close();
      this.handlers.failed(status === 404 || status === 410 ? "query_not_found" : status ? "http_" + status : "unreachable");
      return;
    }
    const delay = Math.min(5000, 250 * 2 ** (this.retries - 1));
    this.timer = setTimeout(() => {
      if (!this.closed) this.open(this.resumeURL());
    }, delay);
  }

  /** The HTTP status of the stream's URL now (0: no answer); the body is not read. */
  async probe() {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), 5000);
    try {
      const response = await fetch(this.resumeURL(), { signal: controller.signal, headers: { Accept: "text/event-stream" } });
      return response.status;
    } catch {
      return 0;
    } finally {
      clearTimeout(timeout);
      controller.abort();
    }
  }

  delete() {
    if (this.id === null) return;
    fetch("/v1/queries/" + encodeURIComponent(this.id), { method: "DELETE" }).catch(() => {});
  }

  /** Cancels the query; its `done` (outcome cancelled) still arrives on the stream. */
  cancel() {
    if (this.closed || this.cancelRequested) return;
    this.cancelRequested = true;
    if (this.id === null) return; // start() cancels it as soon as it has an id.
    this.delete();
    this.timer = setTimeout(() => {
      if (this.closed) return;
      this.close();
      this.handlers.cancelled();
    }, CANCEL_WAIT_MS);
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
    this.source?.close();
  }
}
