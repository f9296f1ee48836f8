// The page's address: the URL names what the page shows, so that a refresh, Back and
// Forward, or the link opened in another tab or browser show it again without asking again.
//
//   /?q=<question>&query=<id>&thread=<id>,<id>&session=<id>
//
// `query` is the answer on screen: it is replayed from its event log (and followed live if
// it is still being written). `thread` holds the earlier questions of the conversation,
// oldest first, as query ids (at most MAX_THREAD, the newest): each is replayed into the
// history above. `session` is the conversation the question on screen was asked in (a
// follow-up only). `q` keeps the question, to ask it again when Sift no longer keeps the
// answer. A URL with `q` but no `query` asks at once, as a link to a question always has.

/** The earlier questions a URL keeps: 8 ids of at most 64 characters keep it short. */
export const MAX_THREAD = 8;
/** The longest question Sift takes (characters). */
export const MAX_QUESTION = 2000;
/** A query or session id as the server issues them: nothing in one needs escaping. */
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const NAMES = ["q", "query", "thread", "session"];

/** Reads a URL's search part: {question, query, thread, session}, null or [] when absent or malformed. */
export function parseAddress(search) {
  const params = new URLSearchParams(search);
  const id = (value) => (value && ID.test(value) ? value : null);
  const question = (params.get("q") ?? "").trim().slice(0, MAX_QUESTION);
  return {
    question: question || null,
    query: id(params.get("query")),
    thread: (params.get("thread") ?? "").split(",").filter((t) => ID.test(t)).slice(-MAX_THREAD),
    session: id(params.get("session")),
  };
}

/**
 * The search part ("?…", or "" for nothing) that names `shown` ({question, query, thread,
 * session}), keeping the other parameters of `search` (`models`, `merge`) after them.
 */
export function formatAddress(shown, search = "") {
  const parts = [];
  if (shown.question) parts.push("q=" + encodeURIComponent(shown.question));
  if (shown.query && ID.test(shown.query)) parts.push("query=" + shown.query);
  const thread = (shown.thread ?? []).filter((t) => t && ID.test(t)).slice(-MAX_THREAD);
  if (thread.length) parts.push("thread=" + thread.join(","));
  if (shown.session && ID.test(shown.session)) parts.push("session=" + shown.session);
  const others = new URLSearchParams(search);
  for (const name of NAMES) others.delete(name);
  if (others.toString()) parts.push(others.toString());
  return parts.length ? "?" + parts.join("&") : "";
}
