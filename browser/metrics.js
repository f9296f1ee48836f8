// The live metrics strip: when the first status, source and answer text arrived
// (server time since the query started) and the answer's pace in tokens a second.
// While the answer streams, tokens are estimated (about four characters each); the
// `metrics` event then gives the server's figures.

import { formatMs } from "./dom.js";

export class MetricsStrip {
  constructor(element, frame) {
    this.element = element;
    this.frame = frame;
    this.render = this.render.bind(this);
    this.fields = {};
    for (const node of element.querySelectorAll("[data-field]")) this.fields[node.dataset.field] = node;
    this.reset();
  }

  reset() {
    this.firstStatus = null;
    this.firstSource = null;
    this.firstDelta = null;
    this.lastDelta = null;
    this.characters = 0;
    this.final = null;
    this.element.hidden = true;
    this.frame.request(this.render);
  }

  status(data) {
    if (this.firstStatus === null) this.firstStatus = data.elapsed_ms;
    this.frame.request(this.render);
  }

  source(data) {
    if (this.firstSource === null) this.firstSource = data.elapsed_ms;
    this.frame.request(this.render);
  }

  delta(data) {
    if (this.firstDelta === null) this.firstDelta = data.elapsed_ms;
    this.lastDelta = data.elapsed_ms;
    this.characters += data.text.length;
    this.frame.request(this.render);
  }

  metrics(data) {
    this.final = data;
    this.frame.request(this.render);
  }

  tokensPerSecond() {
    const final = this.final;
    if (final) {
      if (Number.isFinite(final.tokens_per_second)) return { value: final.tokens_per_second, estimate: false };
      if (final.tokens && Number.isFinite(final.first_delta_ms) && final.total_ms > final.first_delta_ms) {
        return { value: final.tokens / ((final.total_ms - final.first_delta_ms) / 1000), estimate: false };
      }
    }
    if (this.firstDelta === null || this.lastDelta - this.firstDelta < 50) return null;
    return { value: this.characters / 4 / ((this.lastDelta - this.firstDelta) / 1000), estimate: true };
  }

  render() {
    const final = this.final ?? {};
    const show = (field, value) => {
      if (this.fields[field]) this.fields[field].textContent = formatMs(value ?? undefined);
    };
    show("first_status", final.first_status_ms ?? this.firstStatus);
    show("first_source", final.first_source_ms ?? this.firstSource);
    show("first_delta", final.first_delta_ms ?? this.firstDelta);
    const rate = this.tokensPerSecond();
    if (this.fields.tokens_per_second) {
      this.fields.tokens_per_second.textContent = rate ? (rate.estimate ? "≈ " : "") + Math.round(rate.value) : "–";
    }
    if (this.fields.total) this.fields.total.textContent = formatMs(final.total_ms);
    this.element.hidden = this.firstStatus === null;
  }
}
