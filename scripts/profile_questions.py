#!/usr/bin/env python3
"""Writes make profile's fixed question set: COUNT questions about documents of the
knowledge-base index, spread evenly over each collection by document id, so the set is
the same on any machine with the same sources. No question is written by hand.

    python3 scripts/profile_questions.py --index STATE/kb.sqlite --count 1000 > questions.txt
"""
import argparse
import sqlite3

# How a person would ask about a document of each collection, and each collection's share.
FORMS = [
    ("Wikipedia", 0.25, ["what is {t}", "who was {t}", "tell me about {t}"]),
    ("WordNet", 0.20, ["define {t}", "what does {t} mean"]),
    ("GCIDE", 0.15, ["what is the meaning of {t}", "define {t}"]),
    ("FOLDOC", 0.15, ["what is {t} in computing", "what is {t}"]),
    ("Linux kernel docs", 0.12, ["how does {t} work in Linux", "what is {t}"]),
    ("Python docs", 0.07, ["how do I use {t} in Python", "what is {t}"]),
    ("man pages (7)", 0.06, ["what is {t}", "explain {t}"]),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    db = sqlite3.connect(f"file:{args.index}?mode=ro", uri=True)
    questions = []
    for collection, share, forms in FORMS:
        want = round(args.count * share)
        ids = [row[0] for row in db.execute("SELECT id FROM docs WHERE collection = ? ORDER BY id", (collection,))]
        if not ids:
            continue
        step = max(1, len(ids) // want)
        for i, doc in enumerate(ids[::step][:want]):
            title, = db.execute("SELECT title FROM docs WHERE id = ?", (doc,)).fetchone()
            title = " ".join(title.replace("\n", " ").split())[:80]
            questions.append(forms[i % len(forms)].format(t=title))
    # Top up (or trim) to exactly COUNT, in a fixed interleaved order.
    while len(questions) < args.count:
        questions.append(questions[len(questions) % max(1, len(questions))])
    questions = questions[: args.count]
    order = sorted(range(len(questions)), key=lambda i: (i * 7919) % len(questions))
    for i in order:
        print(questions[i])


if __name__ == "__main__":
    main()
