// Sift's browser client: asks a question and shows the answer being built. Plain ES
// modules, no framework: events update the views' state, and each view writes the DOM
// in animation-frame batches. Every string from the server is inserted as text.

import { AnswerView } from "./answer.js";
import { el } from "./dom.js";
import { FrameScheduler } from "./frame.js";
import { Lanes } from "./lanes.js";
import { MetricsStrip } from "./metrics.js";
import { Notices } from "./notices.js";
import { SourcesPanel } from "./sources.js";
import { QueryStream } from "./stream.js";
import { Timeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);

const frame = new FrameScheduler();
const app = $("app");
const live = $("live");
const announce = (text) => {
  live.textContent = text;
};
const timeline = new Timeline($("timeline"), frame, announce);
const sources = new SourcesPanel($("sources"), $("source-count"), frame);
const lanes = new Lanes($("lanes"), frame);
const metrics = new MetricsStrip($("metrics"), frame);
const notices = new Notices($("notices"));

let answer = new AnswerView($("answer"), frame);
let current = null; // { question, stream, outcome }
let session = null;

const OUTCOME_LABELS = { complete: "Done", cancelled: "Cancelled", failed: "Failed" };

function setState(state) {
  app.dataset.state = state;
  const working = state === "working";
  $("cancel").disabled = !working;
  $("answer").setAttribute("aria-busy", String(working));
  $("copy").disabled = working || answer.text.length === 0;
  $("follow").hidden = working || state !== "done" || !session;
  showColumns();
}

/** The answer and sources panels show once there is something to show, or while it is coming. */
function showColumns() {
  $("columns").hidden = !(app.dataset.state === "working" || answer.text || sources.all().length || lanes.active);
}

/** Starts a question; a follow-up continues the session and keeps the earlier turn above. */
function ask(question, followUp) {
  if (current && !current.stream.closed) current.stream.close();
  if (followUp && current) archive(current);
  if (!followUp) {
    session = null;
    $("history").replaceChildren();
    $("history").hidden = true;
  }
  timeline.reset();
  delete $("answer-section").dataset.answered;
  $("answer-heading").textContent = "Answer";
  sources.reset();
  lanes.reset();
  metrics.reset();
  notices.reset();
  $("answer").replaceChildren();
  answer = new AnswerView($("answer"), frame);
  $("merged-heading").hidden = true;
  $("intro").hidden = true;
  $("progress").hidden = false;
  const heading = $("question");
  heading.textContent = question;
  heading.hidden = false;
  delete app.dataset.queryId;

  const request = { q: question };
  if (followUp && session) request.session = session;
  const params = new URLSearchParams(location.search);
  if (params.get("models")) request.models = params.get("models").split(",").filter(Boolean);
  if (params.has("merge")) request.merge = !["false", "off", "0"].includes(params.get("merge"));

  const run = { question, outcome: null };
  run.stream = new QueryStream(handlers(run));
  current = run;
  setState("working");
  announce("Asking: " + question);
  run.stream.start(request);
}

/** Moves a finished turn into the conversation history, as plain text. */
function archive(run) {
  const turn = el("article", "turn");
  turn.append(el("h3", "turn-question", run.question));
  turn.append(el("p", "turn-answer", answer.text));
  const count = sources.all().length;
  turn.append(el("p", "turn-meta", count + " source" + (count === 1 ? "" : "s")));
  $("history").append(turn);
  $("history").hidden = false;
}

function handlers(run) {
  const active = () => run === current;
  return {
    created(doc) {
      if (!active()) return;
      app.dataset.queryId = doc.id;
      if (doc.session) session = doc.session;
    },
    event(type, data) {
      if (!active()) return;
      handle(run, type, data);
    },
    rejected(error, status) {
      if (!active()) return;
      if (error.code === "unreachable") {
        notices.add("error", "Sift cannot be reached at this address. Check that siftd is running, then ask again.");
      } else {
        notices.error(error);
      }
      if (error.code === "session_expired" || error.code === "session_not_found") session = null;
      if (status === 429 || status === 503) notices.info("You can ask again in a few seconds.");
      timeline.stop();
      run.outcome = "failed";
      setState("failed");
    },
    lost() {
      if (!active()) return;
      app.dataset.connection = "lost";
      notices.connection("warning", "The connection to Sift was lost. Reconnecting; nothing will be missed…");
      announce("Connection lost, reconnecting");
    },
    resumed() {
      if (!active()) return;
      app.dataset.connection = "resumed";
      notices.connection("info", "Reconnected. The answer goes on where it stopped.");
    },
    failed(code) {
      if (!active()) return;
      app.dataset.connection = "failed";
      notices.connection(null);
      if (code === "unreachable") {
        notices.add("error", "The connection to Sift was lost and it cannot be reached. Check that siftd is running, then ask again.");
      } else {
        notices.error({ code, message: "" });
      }
      answer.end();
      lanes.endAll();
      timeline.stop();
      run.outcome = "failed";
      setState("failed");
    },
    cancelled() {
      if (!active()) return;
      notices.info("Cancelled. What had arrived is kept below.");
      answer.end();
      lanes.endAll();
      timeline.stop();
      run.outcome = "cancelled";
      setState("cancelled");
    },
  };
}

function handle(run, type, data) {
  timeline.seen(data.elapsed_ms);
  switch (type) {
    case "status":
      timeline.status(data);
      metrics.status(data);
      break;
    case "query":
      timeline.query(data);
      if (data.session) session = data.session;
      if (data.id) app.dataset.queryId = data.id;
      break;
    case "source":
      sources.source(data);
      timeline.source(data);
      metrics.source(data);
      break;
    case "fetch":
      sources.fetch(data);
      timeline.fetch(data);
      break;
    case "ranked":
      timeline.ranked(data);
      break;
    case "lane":
      lanes.update(data);
      $("merged-heading").hidden = false;
      break;
    case "delta":
      if (data.model) lanes.append(data.model, data.text);
      else answer.append(data.text);
      metrics.delta(data);
      break;
    case "warning":
      notices.warning(data);
      timeline.warning(data);
      if (data.code === "no_answer") markUnanswered();
      break;
    case "metrics":
      metrics.metrics(data);
      if (data.answered === false) markUnanswered();
      if (data.synthesizer) timeline.synthesizer(data.synthesizer);
      break;
    case "error":
      notices.error(data);
      break;
    case "done": {
      answer.end();
      lanes.endAll();
      run.outcome = data.outcome;
      timeline.done(data, OUTCOME_LABELS[data.outcome] ?? data.outcome);
      if (data.outcome === "cancelled") notices.info("Cancelled. What had arrived is kept below.");
      if (app.dataset.connection) notices.connection(null);
      delete app.dataset.connection;
      setState(data.outcome === "complete" ? "done" : data.outcome === "cancelled" ? "cancelled" : "failed");
      break;
    }
  }
}

/** The answer and its sources as plain text, for the clipboard. */
function answerWithSources() {
  const lines = [current?.question ?? "", "", answer.text.trim(), "", "Sources:"];
  for (const source of sources.all()) lines.push("[" + source.n + "] " + source.title + " <" + source.url + ">");
  return lines.join("\n") + "\n";
}

async function copy() {
  const text = answerWithSources();
  let copied = false;
  try {
    await navigator.clipboard.writeText(text);
    copied = true;
  } catch {
    // No clipboard permission: the old way, through a selected text area.
    const area = el("textarea", "visually-hidden");
    area.value = text;
    document.body.append(area);
    area.select();
    copied = document.execCommand("copy");
    area.remove();
  }
  const button = $("copy");
  button.textContent = copied ? "Copied" : "Copy failed: select the text instead";
  announce(copied ? "Answer and sources copied" : "Copying failed");
  setTimeout(() => {
    button.textContent = "Copy answer with sources";
  }, 2000);
}

function cancel() {
  if (!current || app.dataset.state !== "working") return;
  announce("Cancelling");
  current.stream.cancel();
}

/** [n] in an answer: highlight source n and bring it into view. */
function followCitation(event) {
  const link = event.target.closest("a.cite");
  if (!link) return;
  event.preventDefault();
  sources.highlight(link.dataset.n);
}

function start() {
  $("ask").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("q").value.trim();
    if (!question) return;
    const url = new URL(location.href);
    url.searchParams.set("q", question);
    history.replaceState(null, "", url);
    ask(question, false);
  });
  $("follow").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("follow-q").value.trim();
    if (!question) return;
    $("follow-q").value = "";
    ask(question, true);
  });
  $("cancel").addEventListener("click", cancel);
  $("copy").addEventListener("click", copy);
  $("answer-section").addEventListener("click", followCitation);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && app.dataset.state === "working") {
      event.preventDefault();
      cancel();
    } else if (event.key === "/" && !event.target.closest("input, textarea")) {
      event.preventDefault();
      $("q").focus();
    }
  });
  setState("idle");
  const question = new URLSearchParams(location.search).get("q");
  if (question) {
    $("q").value = question;
    ask(question, false);
  } else {
    $("q").focus();
  }
}

start();

/** The sources do not answer the question: the answer says so, and the page shows it as no answer. */
function markUnanswered() {
  $("answer-section").dataset.answered = "false";
  $("answer-heading").textContent = "No answer in the sources";
}
