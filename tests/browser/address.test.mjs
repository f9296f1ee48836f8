// node --test: the page's address (browser/address.js), which a refresh replays from.
import assert from "node:assert/strict";
import { test } from "node:test";

import { MAX_THREAD, formatAddress, parseAddress } from "../../browser/address.js";

const NOTHING = { question: null, query: null, thread: [], session: null };

test("nothing named is an empty search, and an empty search names nothing", () => {
  assert.equal(formatAddress({}), "");
  assert.deepEqual(parseAddress(""), NOTHING);
});

test("a question, its query, the earlier turns and the session survive the round trip", () => {
  const shown = {
    question: "what does it need from the air? 50% & more #2 + ünïcode / ?",
    query: "9f0c3e1d2a4b5c6d",
    thread: ["0123456789abcdef", "fedcba9876543210"],
    session: "4c1e9a0b7d2f3e8a6b5c4d3e",
  };
  const search = formatAddress(shown);
  assert.match(search, /^\?q=[^&#]+&query=9f0c3e1d2a4b5c6d&thread=0123456789abcdef,fedcba9876543210&session=4c1e/);
  assert.deepEqual(parseAddress(search), shown);
  // As a browser would hand it back, through a URL.
  assert.deepEqual(parseAddress(new URL("http://127.0.0.1/" + search).search), shown);
});

test("other parameters stay, after the address's own", () => {
  const search = formatAddress({ question: "q", query: "abc" }, "?models=a,b&q=old&query=old&merge=false");
  assert.equal(search, "?q=q&query=abc&models=a%2Cb&merge=false");
  assert.equal(new URLSearchParams(search).get("models"), "a,b");
});

test("the thread keeps the newest turns, and only well-formed ids", () => {
  const ids = Array.from({ length: MAX_THREAD + 3 }, (_, i) => "id" + i);
  assert.deepEqual(parseAddress(formatAddress({ thread: ids })).thread, ids.slice(-MAX_THREAD));
  assert.deepEqual(parseAddress("?thread=a,,b c,<x>,ok_1-2," + "x".repeat(65)).thread, ["a", "ok_1-2"]);
  assert.equal(formatAddress({ thread: [null, "a", "b/c"] }), "?thread=a");
});

test("a malformed query or session id is not used", () => {
  assert.deepEqual(parseAddress("?query=../../metrics&session=%3Cscript%3E"), NOTHING);
  assert.equal(formatAddress({ query: "a/b", session: "x y" }), "");
});

test("a question is trimmed and bounded; blank is none", () => {
  assert.equal(parseAddress("?q=%20%20").question, null);
  assert.equal(parseAddress("?q=+what+is+it+").question, "what is it");
  assert.equal(parseAddress("?q=" + "a".repeat(3000)).question.length, 2000);
});
