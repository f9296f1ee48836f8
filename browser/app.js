// Sift's browser client: asks a question and shows the answer being built. Plain ES
// modules, no framework: events update the views' state, and each view writes the DOM
// in animation-frame batches. Every string from the server is inserted as text.
//
// The URL names what the page shows (address.js): a refresh, Back and Forward, or the link
// opened elsewhere replay the answers from their event logs instead of asking again.

import { formatAddress, parseAddress } from "./address.js";
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
let current = null; // { question, id, askedIn, stream, outcome }: the question on screen
let session = null; // the conversation a follow-up continues
let thread = []; // the earlier turns above it: { id, state: loading|done|gone|failed, element, session? }
let conversation = 0; // counts conversations: a replay that ends after the next one began is ignored
const replays = new Set(); // the earlier turns' replays still reading

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

/**
 * Writes what the page shows into its URL: `push` for a new question (Back returns to the
 * one before), `replace` as it becomes known (the query's id) or changes in place.
 */
function writeLocation(mode) {
  const search = formatAddress({
    question: current?.question,
    query: current?.id,
    // The URL keeps the newest earlier turns; the page shows them all until it is reloaded.
    thread: thread.filter((turn) => turn.state !== "gone").map((turn) => turn.id),
    session: current?.askedIn,
  }, location.search);
  if (search === location.search) return;
  const url = location.pathname + search;
  if (mode === "push") history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** The answer and sources panels show once there is something to show, or while it is coming. */
function showColumns() {
  $("columns").hidden = !(app.dataset.state === "working" || answer.text || sources.all().length || lanes.active);
}

/** Empties the views: the page as it is before any question. */
function clearViews() {
  if (current && !current.stream.closed) current.stream.close();
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
  $("intro").hidden = false;
  $("progress").hidden = true;
  $("question").hidden = true;
  delete app.dataset.queryId;
  delete app.dataset.gone;
  document.title = "Sift";
}

/** Makes way for `question` (null while a replay has not said it yet). */
function begin(question) {
  clearViews();
  $("intro").hidden = true;
  $("progress").hidden = false;
  showQuestion(question);
}

function showQuestion(question) {
  const heading = $("question");
  heading.textContent = question ?? "";
  heading.hidden = !question;
  document.title = question ? question + " · Sift" : "Sift";
}

/** Forgets the conversation: the next question starts a new one. */
function newConversation() {
  conversation += 1;
  for (const stream of replays) stream.close();
  replays.clear();
  session = null;
  thread = [];
  $("history").replaceChildren();
  $("history").hidden = true;
}

/**
 * Asks `question`, in conversation `askedIn` (a session id) when it is a follow-up; the URL
 * names it (`url`: push or replace), and then its query once created.
 */
function ask(question, askedIn, url) {
  begin(question);
  const request = { q: question };
  if (askedIn) request.session = askedIn;
  const params = new URLSearchParams(location.search);
  if (params.get("models")) request.models = params.get("models").split(",").filter(Boolean);
  if (params.has("merge")) request.merge = !["false", "off", "0"].includes(params.get("merge"));

  const run = { question, id: null, askedIn, outcome: null };
  run.stream = new QueryStream(handlers(run));
  current = run;
  writeLocation(url);
  setState("working");
  announce("Asking: " + question);
  run.stream.start(request);
  return run;
}

/** Shows query `id`, asked before (the URL names it): its events from the first, then live. */
function replay(id, question, askedIn) {
  begin(question);
  const run = { question, id, askedIn, outcome: null };
  run.stream = new QueryStream(handlers(run));
  current = run;
  app.dataset.queryId = id;
  setState("working");
  announce(question ? "Loading the answer to: " + question : "Loading the answer");
  run.stream.resume(id);
}

/** Asks again a question whose answer Sift no longer keeps, in its conversation if it had one. */
function askAgain(run) {
  if (run !== current) return;
  const askedIn = run.askedIn ?? (thread.some((turn) => turn.state === "done") ? session : null);
  ask(run.question, askedIn, "replace").again = true;
  $("answer-section").focus();
}

/** An earlier turn, as plain text: its question, its answer and how many sources it had. */
function turnElement(turn, question, text, count) {
  const element = turn?.element ?? el("article", "turn");
  element.removeAttribute("aria-busy");
  element.replaceChildren(el("h3", "turn-question", question ?? "An earlier question"), el("p", "turn-answer", text));
  if (count !== null) element.append(el("p", "turn-meta", count + " source" + (count === 1 ? "" : "s")));
  return element;
}

/** Moves a finished turn into the conversation history. */
function archive(run) {
  const element = turnElement(null, run.question, answer.text, sources.all().length);
  thread.push({ id: run.id, state: "done", element });
  $("history").append(element);
  $("history").hidden = false;
}

/** Replays an earlier turn's events into what the history shows of it. */
async function replayTurn(turn) {
  let question = null;
  let text = "";
  let outcome = null;
  let gone = null;
  let failed = false;
  const numbers = new Set();
  const ignore = () => {};
  const stream = new QueryStream({
    created: ignore, rejected: ignore, lost: ignore, resumed: ignore, cancelled: ignore,
    event(type, data) {
      if (type === "query") {
        question = data.original ?? null;
        if (data.session) turn.session = data.session;
      } else if (type === "source") numbers.add(data.n);
      else if (type === "delta" && !data.model) text += data.text;
      else if (type === "done") outcome = data.outcome;
    },
    failed() {
      failed = true;
    },
    gone(code) {
      gone = code;
    },
  });
  replays.add(stream);
  await stream.resume(turn.id);
  replays.delete(stream);
  turn.session ??= stream.session;
  if (gone) {
    turn.state = "gone";
    turnElement(turn, question, gone === "query_expired" ? "Sift no longer keeps this answer." : "Sift does not know this answer.", null);
    turn.element.classList.add("gone");
  } else if (failed || outcome === null) {
    turn.state = "failed";
    turnElement(turn, question, "This answer could not be loaded.", null);
  } else {
    turn.state = "done";
    turnElement(turn, question, text, numbers.size);
  }
}

/** Replays the earlier turns in order, one at a time (the answer on screen reads meanwhile). */
async function replayThread(mine) {
  let dropped = false;
  for (const turn of thread.slice()) {
    if (turn.state !== "loading") continue;
    await replayTurn(turn);
    if (mine !== conversation) return;
    if (turn.session && !session) session = turn.session;
    dropped ||= turn.state === "gone";
  }
  // An earlier answer no longer kept leaves the URL (what it showed of it was its id alone).
  if (dropped) writeLocation("replace");
  if (app.dataset.state === "done") setState("done"); // the follow-up box needs a session
}

/** Shows what the URL names (on start, and on Back and Forward): replays, or asks a `?q=` link. */
function load() {
  newConversation();
  const mine = conversation;
  clearViews();
  current = null;
  const named = parseAddress(location.search);
  session = named.session;
  thread = named.thread.map((id) => {
    const element = el("article", "turn");
    element.setAttribute("aria-busy", "true");
    element.append(el("h3", "turn-question", "An earlier question"), el("p", "turn-answer", "Loading…"));
    return { id, state: "loading", element };
  });
  $("history").replaceChildren(...thread.map((turn) => turn.element));
  $("history").hidden = thread.length === 0;
  $("q").value = thread.length ? "" : named.question ?? "";
  if (named.query) {
    replay(named.query, named.question, named.session);
  } else if (named.question && thread.length && !session) {
    // A follow-up whose query was never created: ask it in the conversation the earlier turns name.
    begin(named.question);
    replayThread(mine).then(() => mine === conversation && ask(named.question, session, "replace"));
    return;
  } else if (named.question) {
    ask(named.question, session, "replace");
  } else {
    setState("idle");
  }
  replayThread(mine);
}

function handlers(run) {
  const active = () => run === current;
  return {
    created(doc) {
      if (!active()) return;
      run.id = doc.id;
      app.dataset.queryId = doc.id;
      if (doc.session) session = doc.session;
      writeLocation("replace");
    },
    event(type, data) {
      if (!active()) return;
      handle(run, type, data);
    },
    rejected(error, status) {
      if (!active()) return;
      const sessionGone = error.code === "session_expired" || error.code === "session_not_found";
      if (sessionGone) session = null;
      if (sessionGone && run.again) {
        // Asked again in a conversation Sift no longer keeps either: ask it on its own.
        newConversation();
        ask(run.question, null, "replace");
        notices.info("Sift no longer has this conversation either, so the question was asked on its own.");
        return;
      }
      if (error.code === "unreachable") {
        notices.add("error", "Sift cannot be reached at this address. Check that siftd is running, then ask again.");
      } else {
        notices.error(error);
      }
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
    gone(code) {
      if (!active()) return;
      answer.end();
      lanes.endAll();
      timeline.stop();
      notices.connection(null);
      delete app.dataset.connection;
      run.outcome = "gone";
      app.dataset.gone = code;
      if (run.stream.lastId === 0) $("progress").hidden = true;
      const button = notices.gone(code, run.question, () => askAgain(run));
      setState("gone");
      // Nothing else has the focus on a page just loaded: the button takes it (Enter asks).
      if (!document.activeElement || document.activeElement === document.body) (button ?? $("q")).focus();
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
      if (data.original && data.original !== run.question) {
        // A replay from a URL without the question (or another one): the log says what was asked.
        run.question = data.original;
        showQuestion(run.question);
        writeLocation("replace");
      }
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
      session ??= run.stream.session;
      answer.end();
      lanes.endAll();
      run.outcome = data.outcome;
      timeline.done(data, OUTCOME_LABELS[data.outcome] ?? data.outcome);
      if (data.outcome === "cancelled") notices.info("Cancelled. What had arrived is kept below.");
      if (app.dataset.connection) notices.connection(null);
      delete app.dataset.connection;
      // In the frame that draws the last of the answer, after it: the page's state says
      // the answer has ended once all of it is on screen.
      const state = data.outcome === "complete" ? "done" : data.outcome === "cancelled" ? "cancelled" : "failed";
      frame.request(() => run === current && setState(state));
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
    newConversation();
    ask(question, null, "push");
  });
  $("follow").addEventListener("submit", (event) => {
    event.preventDefault();
    const question = $("follow-q").value.trim();
    if (!question || !current) return;
    $("follow-q").value = "";
    archive(current);
    ask(question, session, "push");
  });
  window.addEventListener("popstate", load);
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
  load();
  if (app.dataset.state === "idle") $("q").focus();
}

start();

/** The sources do not answer the question: the answer says so, and the page shows it as no answer. */
function markUnanswered() {
  $("answer-section").dataset.answered = "false";
  $("answer-heading").textContent = "No answer in the sources";
}
