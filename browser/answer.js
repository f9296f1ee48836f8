// One streaming answer: the merged answer, or a model's lane in compare mode.
// Deltas are appended, never re-rendered: each frame turns the text that arrived since
// the last frame into text nodes and citation links, after what is already there.

import { CitationSplitter } from "./citations.js";
import { el } from "./dom.js";

/** Text nodes grow up to this many characters; then a new one starts, so no single node gets long. */
const NODE_CHARACTERS = 2048;

export class AnswerView {
  /** `element` receives the answer; `frame` is the FrameScheduler. */
  constructor(element, frame) {
    this.element = element;
    this.frame = frame;
    this.text = "";
    this.pending = "";
    this.ended = false;
    this.splitter = new CitationSplitter();
    this.node = null;
    this.flush = this.flush.bind(this);
  }

  /** Adds a delta's text. */
  append(text) {
    if (!text) return;
    this.text += text;
    this.pending += text;
    this.frame.request(this.flush);
  }

  /** The stream ended: whatever a citation held back is shown as text. */
  end() {
    this.ended = true;
    this.frame.request(this.flush);
  }

  flush() {
    const pieces = this.splitter.push(this.pending);
    this.pending = "";
    if (this.ended) pieces.push(...this.splitter.end());
    if (pieces.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (const piece of pieces) {
      if (typeof piece === "number") {
        const link = el("a", "cite", "[" + piece + "]");
        link.href = "#source-" + piece;
        link.dataset.n = String(piece);
        link.setAttribute("aria-label", "source " + piece);
        fragment.append(link);
        this.node = null;
      } else if (this.node && this.node.length + piece.length <= NODE_CHARACTERS) {
        // this.node is always the last text node, in the element or in the fragment.
        this.node.appendData(piece);
      } else {
        this.node = document.createTextNode(piece);
        fragment.append(this.node);
      }
    }
    if (fragment.childNodes.length) this.element.append(fragment);
    this.element.classList.add("has-text");
  }
}
