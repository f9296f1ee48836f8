// Splits streamed answer text into plain text and [n] citations. A citation may be
// split across deltas ("[1" then "2]"): the unfinished tail waits for the next piece.

const CITATION = /\[(\d{1,4})\]/g;
const UNFINISHED = /\[\d{0,4}$/;

export class CitationSplitter {
  constructor() {
    this.carry = "";
  }

  /** Returns the pieces `text` completes: strings, and numbers for citations. */
  push(text) {
    let input = this.carry + text;
    this.carry = "";
    const tail = UNFINISHED.exec(input);
    if (tail) {
      this.carry = tail[0];
      input = input.slice(0, tail.index);
    }
    return splitCitations(input);
  }

  /** Returns what is still held back, as text (the stream ended). */
  end() {
    const rest = this.carry;
    this.carry = "";
    return rest ? [rest] : [];
  }
}

/** Splits complete text into strings and citation numbers. */
export function splitCitations(text) {
  const pieces = [];
  let last = 0;
  CITATION.lastIndex = 0;
  for (let match = CITATION.exec(text); match; match = CITATION.exec(text)) {
    if (match.index > last) pieces.push(text.slice(last, match.index));
    pieces.push(Number(match[1]));
    last = CITATION.lastIndex;
  }
  if (last < text.length) pieces.push(text.slice(last));
  return pieces;
}
