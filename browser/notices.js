// Warnings and errors in plain words: what happened, then what the reader can do.
// The server's own message (written for an operator) follows in small print.

import { el } from "./dom.js";

const ERROR_ADVICE = {
  empty_query: "Type a question first.",
  query_too_long: "Shorten the question, or ask about one part at a time.",
  invalid_characters: "Remove the control characters from the question and ask again.",
  invalid_encoding: "The question could not be read as text. Retype it and ask again.",
  bad_request: "Sift could not read this request. Reload the page and ask again.",
  session_not_found: "Sift no longer knows this conversation (it may have restarted). Ask your question on its own.",
  session_expired: "This conversation has expired. Ask your question on its own.",
  no_sources: "Nothing in Sift's sources matched. Try other words, or fewer of them.",
  overloaded: "Sift is busy right now. Wait a few seconds and ask again.",
  providers_failed: "Every search provider failed. Try again in a minute; if it keeps happening, tell whoever runs Sift.",
  shutting_down: "Sift is restarting. Ask again in a moment.",
  synthesis_failed: "Sift failed while writing the answer. Ask again; if it keeps happening, tell whoever runs Sift.",
  internal: "Something went wrong inside Sift. Ask again; if it keeps happening, tell whoever runs Sift.",
  query_not_found: "Sift no longer has this answer (it may have restarted). Ask again.",
};

function warningAdvice(code) {
  if (code.startsWith("provider_") || code === "engine_unresponsive") {
    return "One search provider did not answer; the answer uses the others.";
  }
  if (code === "rate_limited") return "A search provider asked Sift to slow down, so this took a little longer.";
  if (code === "llm_all_failed") return "No model could answer; what you see is a comparison of the sources they found.";
  if (code === "llm_not_configured") return "This Sift has no language model; the answer is taken from the sources directly.";
  if (code.startsWith("llm_")) return "The language model failed, so the answer below is taken from the sources directly.";
  if (code === "no_answer") return "The sources Sift found do not answer this question, so it names the closest ones instead of guessing.";
  if (code === "citation_removed") return "The answer cited a source that does not exist; that citation was taken out.";
  if (code === "citations_attributed") return "Sift added citations the model left out; check them against the sources.";
  if (code === "uncited_answer") return "Nothing in this answer is cited: check it against the sources before relying on it.";
  return "Sift went on, but the answer may be less complete than usual.";
}

export class Notices {
  constructor(container) {
    this.container = container;
  }

  reset() {
    this.container.replaceChildren();
    this.transient = null;
  }

  add(kind, advice, detail) {
    const item = el("div", "notice " + kind);
    item.setAttribute("role", kind === "error" ? "alert" : "status");
    item.append(el("p", "advice", advice));
    if (detail && detail !== advice) item.append(el("p", "detail", detail));
    this.container.append(item);
    return item;
  }

  warning(data) {
    const who = data.model ? data.model + ": " : data.provider ? data.provider + ": " : "";
    return this.add("warning", warningAdvice(data.code), who + data.message);
  }

  error(data) {
    return this.add("error", ERROR_ADVICE[data.code] ?? "Sift could not answer. Ask again in a moment.", data.message);
  }

  info(text) {
    return this.add("info", text);
  }

  /**
   * The answer a link names is no longer kept (`query_expired`) or was never known here
   * (`query_not_found`). With the question known, the notice offers to ask it again:
   * `askAgain` runs when its button is pressed. Returns the button, or null.
   */
  gone(code, question, askAgain) {
    const advice = code === "query_expired"
      ? "This answer has expired: Sift keeps an answer for a while after it is written, and no longer has this one."
      : "Sift does not know this answer: the link may be incomplete, or Sift has restarted since it was written.";
    const item = this.add("warning gone", advice);
    item.setAttribute("role", "alert");
    if (!question) {
      item.append(el("p", "detail", "The link does not say what the question was: type it above to ask it again."));
      return null;
    }
    const button = el("button", "primary ask-again", "Ask again");
    button.type = "button";
    button.setAttribute("aria-describedby", "question");
    button.addEventListener("click", askAgain, { once: true });
    const row = el("p", "again");
    row.append(button);
    item.append(row);
    return button;
  }

  /** A notice that the next call replaces or clears (the connection's state). */
  connection(kind, text) {
    this.transient?.remove();
    this.transient = text ? this.add(kind, text) : null;
  }
}
