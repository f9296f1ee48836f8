"""The web path's corpus: for a subset of the answerable questions, search results for
sift-replay (`--corpus FILE`) whose titles and descriptions do not hold the answer and
whose pages state it in their body, in sentences written here around the gold fact.

Each entry matches every query that holds the content words of its question (the Brave
and SearXNG providers send the question as asked). Called by build_set.py --web-corpus.
"""
import json
import random
import re

from evalcommon import contains, slug, stable_hash

SEED = "web-corpus-1"
STOPWORDS = {
    "a", "an", "the", "of", "in", "on", "for", "to", "is", "are", "was", "were", "be", "what", "which", "who", "whom",
    "when", "where", "how", "does", "do", "did", "you", "would", "use", "called", "call", "name", "word", "that",
    "this", "it", "its", "and", "or", "as", "by", "with", "from", "into", "about", "me", "tell", "at", "there",
}
KINDS = ["definition", "location_capital", "person_role", "date_number", "symbol_abbreviation", "reverse_dictionary",
         "how_does", "code_error"]
PER_KIND = {"definition": 8, "location_capital": 8, "person_role": 8, "date_number": 8, "symbol_abbreviation": 8,
            "reverse_dictionary": 8, "how_does": 6, "code_error": 6}
SITES = [("www.reference-desk.example", "Reference Desk"), ("open-almanac.example", "Open Almanac"),
         ("studynotes.example", "Study Notes"), ("www.factfile.example", "Fact File"),
         ("wiki.knowledge-commons.example", "Knowledge Commons")]


def content_words(question):
    return sorted({w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in STOPWORDS})


def fact_sentences(q, rng):
    """Sentences stating the gold fact, in this file's own words."""
    g = q["gold"][0]
    s = q["subject"]
    sub = q["subkind"]
    table = {
        "hypernym": [f"Put simply, {s} is a kind of {g}.", f"Most dictionaries file {s} under {g}."],
        "capital": [f"The capital of {s} is {g}, where the government sits.", f"{g} has long been the capital city of {s}."],
        "where_is": [f"{s} is a city in {g}.", f"You will find {s} in {g}."],
        "role": [f"{s} is remembered above all as a {g}.", f"By profession, {s} was a {g}."],
        "successor": [f"When {s} left office, {g} became the next President of the United States."],
        "predecessor": [f"{s} took over the presidency from {g}."],
        "atomic_number": [f"The atomic number of {s} is {g}: each of its atoms has {g} protons."],
        "element_by_number": [f"The element with atomic number {s} is {g}."],
        "birth_year": [f"{s} was born in {g}."],
        "death_year": [f"{s} died in {g}."],
        "chemical_symbol": [f"Chemists write {s} with the symbol {g}."],
        "element_by_symbol": [f"The symbol {s} denotes the element {g}."],
        "acronym": [f"{s} is short for {g}."],
        "abbreviation_of": [f"{s} is usually abbreviated to {g}."],
        "young": [f"A young {s} is called a {g}."],
        "female": [f"A female {s} is known as a {g}."],
        "male": [f"A male {s} is known as a {g}."],
        "group": [f"The collective noun for the {s} is {g}."],
        "sound": [f"The cry of the {s} is called a {g}."],
        "made_of": [f"{s.capitalize()} is made chiefly of {g}."],
        "python_module": [f"In the Python standard library, this is the job of the {g} module."],
        "man_page": [f"The Linux manual page that documents this is {g}(7)."],
        "man_what_is": [f"The {s}(7) manual page is about {g}."],
        "errno_meaning": [f"The error code {s} means \"{g}\"."],
        "errno_for_message": [f"The message \"{s}\" belongs to the errno value {g}."],
        "exception_for_errno": [f"When a system call fails with {s}, Python raises {g}."],
        "exception_parent": [f"In Python, {s} is a subclass of {g}."],
    }
    options = table.get(sub)
    if not options:
        return []
    sentence = re.sub(r"\ba ([aeiouAEIOU])", r"an \1", rng.choice(options))
    return [sentence[0].upper() + sentence[1:]]


def filler(s, rng):
    return rng.sample([
        f"People look up {s} for many reasons, and this page gathers the basics in one place.",
        f"The notes below were put together from standard references on {s}.",
        f"Several related topics are linked at the end of this article.",
        f"Readers often ask about {s}; the short answer is given in the next paragraph.",
        f"This entry was last reviewed by the editors this year.",
    ], 2)


def entry_for(q, rng):
    s = q["subject"]
    facts = fact_sentences(q, rng)
    if not facts:
        return None
    host, site = SITES[stable_hash(q["id"]) % len(SITES)]
    other_host, other_site = SITES[(stable_hash(q["id"]) + 1) % len(SITES)]
    intro, outro = filler(s, rng)
    fact_page = {
        "title": f"{s}: an overview" if len(s) < 60 else "An overview",
        "url": f"https://{host}/articles/{slug(q['id'])}",
        "site_name": site,
        "description": f"An introduction to {s}, with background, history and related topics.",
        "body": [intro, facts[0], outro],
        "published": "2024-0%d-1%d" % (1 + stable_hash(q["id"]) % 9, stable_hash(q["id"]) % 10),
    }
    other_page = {
        "title": f"Questions people ask about {s}" if len(s) < 60 else "Questions people ask",
        "url": f"https://{other_host}/faq/{slug(q['id'])}",
        "site_name": other_site,
        "description": f"A reader's guide to {s}: common questions and where to read more.",
        "body": [f"This guide collects questions readers send in about {s}.",
                 "Answers are reviewed by volunteers and linked to their sources."],
    }
    # Neither the result list nor the pages' titles may give the answer away.
    shown = " ".join([fact_page["title"], fact_page["description"], other_page["title"], other_page["description"],
                      *other_page["body"]])
    cs = bool(q.get("case_sensitive"))
    if any(contains(shown, g, cs) for g in q["gold"]):
        return None
    if not any(contains(facts[0], g, cs) for g in q["gold"]):
        return None
    return {"match": content_words(q["question"]), "question_id": q["id"], "results": [fact_page, other_page]}


def write(questions, path, count=60):
    """Writes the corpus for about `count` questions to `path`; returns those questions."""
    rng = random.Random(SEED)
    scale = count / sum(PER_KIND.values())
    chosen, entries = [], []
    for kind in KINDS:
        pool = sorted((q for q in questions if q["kind"] == kind and q["answerable"] and not q.get("turns")),
                      key=lambda q: stable_hash(SEED + q["id"]))
        want = max(1, round(PER_KIND[kind] * scale))
        for q in pool:
            if sum(1 for c in chosen if c["kind"] == kind) >= want:
                break
            entry = entry_for(q, rng)
            if entry:
                chosen.append(q)
                entries.append(entry)
    # Word sets must not collide: a question must find its own entry first.
    keys = [tuple(e["match"]) for e in entries]
    assert len(set(keys)) == len(keys), "two web entries match the same words"
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"entries": entries}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    return chosen
