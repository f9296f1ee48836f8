// node --test: the citation splitter, which must find [n] however the stream cuts it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { CitationSplitter, splitCitations } from "../../browser/citations.js";

/** Feeds `chunks` one at a time and returns every piece, with adjacent text joined. */
function feed(chunks) {
  const splitter = new CitationSplitter();
  const pieces = [];
  for (const chunk of chunks) pieces.push(...splitter.push(chunk));
  pieces.push(...splitter.end());
  const joined = [];
  for (const piece of pieces) {
    if (typeof piece === "string" && typeof joined.at(-1) === "string") joined[joined.length - 1] += piece;
    else joined.push(piece);
  }
  return joined;
}

test("whole citations become numbers between text", () => {
  assert.deepEqual(splitCitations("Canberra [1][4]. Sydney [12]"), ["Canberra ", 1, 4, ". Sydney ", 12]);
});

test("a citation split across deltas is found wherever the cut falls", () => {
  const text = "Canberra is the capital [1]. Sydney is larger [12][3].";
  const expected = ["Canberra is the capital ", 1, ". Sydney is larger ", 12, 3, "."];
  for (let cut = 0; cut <= text.length; cut++) {
    assert.deepEqual(feed([text.slice(0, cut), text.slice(cut)]), expected, `cut at ${cut}`);
  }
  assert.deepEqual(feed([...text]), expected, "one character at a time");
});

test("brackets that are not citations stay text, also at the end of the stream", () => {
  assert.deepEqual(feed(["a[i] and [", "x] and [12345] and [", "7"]), ["a[i] and [x] and [12345] and [7"]);
  assert.deepEqual(feed(["ends with [", "3"]), ["ends with [3"]);
  assert.deepEqual(feed(["<script>alert(1)</script> [2]"]), ["<script>alert(1)</script> ", 2]);
});
