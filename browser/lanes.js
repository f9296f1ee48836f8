// Compare mode: one lane per model, each its own streaming answer; `lane` events say
// when a model started and how it ended. The merged answer streams into the main answer.

import { AnswerView } from "./answer.js";
import { el, formatMs } from "./dom.js";

export class Lanes {
  constructor(container, frame) {
    this.container = container;
    this.frame = frame;
    this.reset();
  }

  reset() {
    this.lanes = new Map();
    this.container.replaceChildren();
    this.container.hidden = true;
  }

  get active() {
    return this.lanes.size > 0;
  }

  lane(model) {
    let lane = this.lanes.get(model);
    if (!lane) {
      const section = el("section", "lane");
      section.dataset.model = model;
      const head = el("header", "lane-head");
      const name = el("h3", "lane-model", model);
      const state = el("span", "lane-state", "waiting");
      head.append(name, state);
      const body = el("div", "answer lane-answer");
      const stats = el("p", "lane-stats");
      section.append(head, body, stats);
      this.container.append(section);
      this.container.hidden = false;
      lane = { section, state, stats, view: new AnswerView(body, this.frame) };
      this.lanes.set(model, lane);
    }
    return lane;
  }

  /** A `lane` event. */
  update(data) {
    const lane = this.lane(data.model);
    const states = { started: "writing…", done: "done", failed: "failed" };
    lane.state.textContent = states[data.state] ?? data.state;
    lane.section.dataset.state = data.state;
    if (data.state !== "started") {
      lane.view.end();
      const parts = [];
      if (Number.isFinite(data.first_token_ms)) parts.push("first token " + formatMs(data.first_token_ms));
      if (Number.isFinite(data.tokens)) parts.push(data.tokens + " tokens");
      if (Number.isFinite(data.tokens_per_second)) parts.push(data.tokens_per_second.toFixed(1) + " tokens/s");
      if (data.reason) parts.push(data.reason);
      lane.stats.textContent = parts.join(" · ");
    }
  }

  /** A `delta` with `model`. */
  append(model, text) {
    this.lane(model).view.append(text);
  }

  endAll() {
    for (const lane of this.lanes.values()) lane.view.end();
  }
}
