#!/usr/bin/env python3
"""Builds Sift's quality benchmark: questions with gold answers, generated from public
structured data that is installed here and that nobody in this project wrote.

  WordNet 3.0's own database (Debian wordnet-base, /usr/share/wordnet/data.*, index.*):
    hypernyms, instance hypernyms, part/member/substance holonyms and meronyms, lemmas
  Linux's errno headers (linux-libc-dev, /usr/include/asm-generic/errno*.h)
  the Python 3.11 documentation (python3.11-doc): the module index, the exceptions page
  section 7 of the man pages (manpages): the NAME lines
  the Linux kernel documentation (linux-doc-6.1): the kernel's boot parameters

The questions are phrased from templates (a few per relation, chosen by a seeded
generator), never by copying a gloss. Every question records where it came from.
The output is the same on every run: the only randomness is seeded.

  scripts/eval/build_set.py [--out .build/eval/questions.jsonl] [--web-corpus FILE]

Prints the number of questions per kind.
"""
import argparse
import collections
import gzip
import html
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import wndb  # noqa: E402
from evalcommon import contains, slug, split_of, stable_hash  # noqa: E402

SEED = 20240612
DICTD_DIR = "/usr/share/dictd"
PYDOC = "/usr/share/doc/python3.11/html"
KERNEL_PARAMETERS = "/usr/share/doc/linux-doc-6.1/html/admin-guide/kernel-parameters.html"
ERRNO_HEADERS = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"]
MANPAGES_LIST = "/var/lib/dpkg/info/manpages.list"

# How many questions of each relation (answerable); the generator takes fewer when the
# data holds fewer.
QUOTAS = {
    "definition": 70,
    "capital": 45,
    "where_is": 25,
    "person": 40,
    "successor": 10,
    "predecessor": 6,
    "atomic_number": 25,
    "element_by_number": 10,
    "birth_year": 12,
    "death_year": 8,
    "chemical_symbol": 25,
    "element_by_symbol": 10,
    "acronym": 20,
    "abbreviation_of": 6,
    "young": 20,
    "female": 14,
    "male": 12,
    "group": 12,
    "sound": 10,
    "made_of": 16,
    "python_module": 30,
    "man_page": 15,
    "man_what_is": 8,
    "kernel_parameter": 8,
    "comparison": 30,
    "errno_meaning": 22,
    "errno_for_message": 10,
    "exception_for_errno": 10,
    "exception_parent": 8,
    "followup": 30,
}

# Lexicographer files (lexnames(5WN)) whose nouns are counted, or not.
COUNT_LEXFILES = {5, 6, 8, 17, 18, 20}
MASS_LEXFILES = {7, 9, 12, 13, 19, 22, 26, 27}
FUNCTION_WORDS = {"of", "and", "the", "for", "in", "on", "to", "de", "la", "du", "des", "a", "an", "et", "y"}
TITLE_WORDS = {"president", "king", "queen", "saint", "st.", "sir", "emperor", "general", "pope", "lord", "lady",
               "prince", "princess", "dame", "czar", "tsar", "empress", "duke", "mr.", "mrs.", "dr."}
INVARIANT_PLURALS = {"sheep", "fish", "deer", "cattle", "swine", "moose", "trout", "salmon", "bison", "grouse",
                     "quail", "snipe", "partridge"}


def unique(items):
    """`items` without repeats, in their first order (the headword first)."""
    return list(dict.fromkeys(items))


class Builder:
    def __init__(self, wiki_file, seed=SEED):
        self.seed = seed
        self.wn = wndb.WordNet(parts=("noun", "verb"))
        self.rng = random.Random(seed)
        self.questions = []
        self.used_subjects = collections.defaultdict(set)
        self.wiki_titles, self.wiki_text = self._read_wiki(wiki_file)
        self.headwords = self._read_dictd_headwords()
        self.plurals = self._read_plural_exceptions()
        self.other_pos = self._read_lemmas(("adj", "adv"))
        self.animal = self.wn.find("animal", "a living organism").key
        self.element = self.wn.find("chemical element").key
        self.person = self.wn.find("person", "a human being").key

    # ----- inputs -----

    @staticmethod
    def _read_wiki(path):
        if not os.path.exists(path):
            sys.exit(f"build_set: {path} is missing; `make kb-sources` puts it there")
        with open(path, encoding="utf-8") as f:
            raw = f.read()
        data = json.loads(raw)
        titles = {t.lower() for t in data}
        return titles, raw.lower()

    @staticmethod
    def _read_dictd_headwords():
        words = set()
        for name in ("wn", "gcide", "foldoc"):
            path = os.path.join(DICTD_DIR, name + ".index")
            if not os.path.exists(path):
                sys.exit(f"build_set: {path} is missing; `make kb-sources` installs it")
            with open(path, encoding="utf-8", errors="replace") as f:
                for line in f:
                    words.add(line.split("\t", 1)[0].lower())
        return words

    def _read_lemmas(self, parts):
        lemmas = set()
        for part in parts:
            with open(os.path.join(self.wn.directory, "index." + part), encoding="utf-8") as f:
                lemmas.update(line.split(" ", 1)[0].replace("_", " ") for line in f if not line.startswith("  "))
        return lemmas

    def _read_plural_exceptions(self):
        plurals = {}
        with open(os.path.join(self.wn.directory, "noun.exc"), encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) >= 2:
                    plurals.setdefault(parts[1].replace("_", " "), parts[0].replace("_", " "))
        return plurals

    # ----- helpers -----

    def pick(self, options):
        return options[self.rng.randrange(len(options))]

    def plural(self, noun):
        words = noun.split(" ")
        last = words[-1]
        if last in INVARIANT_PLURALS:
            return noun
        if last in self.plurals:
            p = self.plurals[last]
        elif re.search(r"(s|x|z|ch|sh)$", last):
            p = last + "es"
        elif re.search(r"[^aeiou]y$", last):
            p = last[:-1] + "ies"
        else:
            p = last + "s"
        return " ".join(words[:-1] + [p])

    @staticmethod
    def article(noun):
        return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun

    def noun_phrase(self, noun, synset):
        """`a noun` for a count noun, else the bare noun ("What is courage?"): animals,
        artifacts, people, plants, objects and body parts count; substances, foods,
        feelings, states, attributes, processes and phenomena do not; for the rest,
        WordNet's own definition tells, when it starts with an article."""
        if synset.lex_filenum in COUNT_LEXFILES:
            return self.article(noun)
        if synset.lex_filenum in MASS_LEXFILES:
            return noun
        return self.article(noun) if re.match(r"(a|an) ", synset.definition) else noun

    @staticmethod
    def is_labelled(synset):
        """Slang, offensive or otherwise usage-labelled senses (`;u` pointers, a leading
        parenthesis in the gloss) are left out."""
        return bool(synset.targets(";u")) or synset.gloss.startswith("(")

    def in_gloss(self, synset, lemma):
        return contains(synset.definition, lemma)

    def is_animal(self, synset):
        return self.wn.is_under(synset, self.animal)

    def animal_sense(self, lemma):
        for s in self.wn.senses(lemma):
            if self.is_animal(s):
                return s
        return None

    def absent_everywhere(self, name):
        n = name.lower()
        return (n not in self.headwords and n not in self.wiki_text
                and not any(self.wn.index.get((p, n)) for p in ("n", "v")))

    def add(self, kind, subkind, subject, question, gold, source, **extra):
        qid = f"{kind}/{subkind}/{slug(subject)}"
        if any(q["id"] == qid for q in self.questions):
            return False
        record = {"id": qid, "kind": kind, "subkind": subkind, "subject": subject, "question": question, "gold": gold,
                  "answerable": extra.pop("answerable", True), "split": split_of(qid), "source": source}
        record.update(extra)
        self.questions.append(record)
        self.used_subjects[kind].add(subject.lower())
        return True

    def sample(self, candidates, count, key=lambda c: c[0]):
        """A seeded sample of `candidates`, in a fixed order first (so that the order the
        data was read in does not matter)."""
        ordered = sorted(candidates, key=key)
        rng = random.Random(f"{self.seed}:{count}:{len(ordered)}")
        return rng.sample(ordered, min(count, len(ordered)))

    # ----- definition -----

    def definition_candidates(self):
        out = []
        for (pos, lemma), offsets in self.wn.index.items():
            if pos != "n" or len(offsets) != 1 or not lemma.isalpha():
                continue
            if ("v", lemma) in self.wn.index or lemma in self.other_pos or self.wn.tag_counts[(pos, lemma)] < 1:
                continue
            if (lemma.endswith("ing") or lemma in self.plurals.values() or lemma in INVARIANT_PLURALS
                    or re.search(r"[^su]s$", lemma)):
                continue
            s = self.wn.get(("n", offsets[0]))
            if s is not None and lemma not in s.lemmas:
                continue  # written with capitals in WordNet: a name
            if s is None or s.targets(wndb.INSTANCE_HYPERNYM) or not s.targets(wndb.HYPERNYM) or self.is_labelled(s):
                continue
            gold = [l for h in self.wn.related(s, wndb.HYPERNYM) for l in h.lemmas
                    if self.in_gloss(s, l) and not contains(l, lemma) and not contains(lemma, l)]
            if gold:
                out.append((lemma, s, sorted(set(gold))))
        return out

    def build_definitions(self, candidates):
        for lemma, s, gold in self.sample(candidates, QUOTAS["definition"]):
            noun = self.noun_phrase(lemma, s)
            q = self.pick([f"What is {noun}?", f"What does the word \"{lemma}\" mean?", f"Define {lemma}.",
                           f"What is meant by {lemma}?"])
            self.add("definition", "hypernym", lemma, q, gold, s.source("@ hypernym lemmas that the gloss uses"))

    # ----- location and capital -----

    def capital_cities(self):
        national = self.wn.find("national capital")
        state = self.wn.find("state capital")
        country = self.wn.find("country", "the territory occupied by a nation").key
        by_place = collections.defaultdict(list)
        for s in self.wn.synsets.values():
            if s.pos != "n":
                continue
            kinds = set(s.targets(wndb.INSTANCE_HYPERNYM))
            if national.key in kinds or state.key in kinds:
                for h in self.wn.related(s, wndb.PART_HOLONYM):
                    # A national capital is the capital of the country it is part of, not of
                    # the province it lies in (Ottawa is in Ontario).
                    is_country = self.wn.is_under(h, country)
                    if national.key in kinds and is_country:
                        by_place[h.key].append((s, "national"))
                    elif state.key in kinds and not is_country:
                        by_place[h.key].append((s, "state"))
        return by_place

    @staticmethod
    def place_words(place):
        return {w.lower() for l in place.lemmas for w in l.split()}

    def city_gold(self, city, place):
        words = self.place_words(place)
        return [l for l in city.lemmas
                if "capital" not in l.lower() and not ({w.lower() for w in l.split()} & words)]

    def place_gold(self, place, depth=2):
        """The names of the place and of the place it is part of, the nearest first."""
        gold, frontier = [], [place]
        for _ in range(depth):
            nxt = []
            for p in frontier:
                gold.extend(l for l in p.lemmas if len(l) > 3 and not l.isupper())
                nxt.extend(self.wn.related(p, wndb.PART_HOLONYM))
            frontier = nxt
        return unique(gold)

    def build_capitals(self, by_place):
        candidates = []
        for key, cities in by_place.items():
            place = self.wn.get(key)
            gold = unique(g for c, _ in cities for g in self.city_gold(c, place))
            if not gold or self.wn.polysemy(place.head) > 2:
                continue
            candidates.append((place.head, place, cities, gold))
        national = [c for c in candidates if any(k == "national" for _, k in c[2])]
        states = [c for c in candidates if all(k == "state" for _, k in c[2])]
        chosen = self.sample(national, QUOTAS["capital"] - 10) + self.sample(states, 10)
        for name, place, cities, gold in chosen:
            q = self.pick([f"What is the capital of {name}?", f"Which city is the capital of {name}?",
                           f"Name the capital city of {name}.", f"What city serves as {name}'s capital?"])
            src = cities[0][0].source("@i national/state capital + #p part holonym")
            src["holonym_offset"] = place.offset
            self.add("location_capital", "capital", name, q, gold, src)
        return {c[0].lower() for c in chosen}

    def build_where_is(self, by_place, used_places):
        kinds = [self.wn.find("city", "a large and densely populated urban area").key,
                 self.wn.find("national capital").key, self.wn.find("state capital").key,
                 self.wn.find("port", "a place (seaport or airport)").key]
        candidates = []
        for s in self.wn.synsets.values():
            if s.pos != "n" or not (set(s.targets(wndb.INSTANCE_HYPERNYM)) & set(kinds)):
                continue
            holonyms = self.wn.related(s, wndb.PART_HOLONYM)
            if len(holonyms) != 1 or self.wn.polysemy(s.head) != 1:
                continue
            place = holonyms[0]
            if place.head.lower() in used_places or not self.in_gloss(s, place.head):
                continue
            if self.place_words(place) & {w.lower() for w in s.head.split()}:
                continue
            gold = self.place_gold(place)
            if gold:
                candidates.append((s.head, s, place, gold))
        for name, s, place, gold in self.sample(candidates, QUOTAS["where_is"]):
            q = self.pick([f"Where is {name}?", f"Where is {name} located?", f"In which country or region is {name}?",
                           f"{name} lies in which place?"])
            src = s.source("#p part holonym (and its part holonym)")
            self.add("location_capital", "where_is", name, q, gold, src)

    # ----- people -----

    def person_names(self, s):
        """The lemmas of a person with two or more words and no title."""
        return [l for l in s.lemmas if " " in l and l.split()[0].lower() not in TITLE_WORDS]

    def person_name(self, s):
        """The name a person is usually called by: a Wikipedia title if one of the names
        is, else the fullest name of at most three words."""
        names = self.person_names(s)
        titled = [n for n in names if n.lower() in self.wiki_titles]
        if titled:
            return titled[0]
        short = [n for n in names if len(n.split()) <= 3]
        return max(short, key=lambda n: len(n.split())) if short else None

    def famous_people(self):
        out = []
        for s in self.wn.synsets.values():
            if s.pos != "n" or s.lex_filenum != 18 or not s.targets(wndb.INSTANCE_HYPERNYM):
                continue
            name = self.person_name(s)
            if not name or name.lower() not in self.wiki_titles or self.wn.polysemy(name) != 1:
                continue
            out.append((name, s))
        return out

    def build_people(self, people):
        candidates = []
        for name, s in people:
            gold = sorted({l for h in self.wn.related(s, wndb.INSTANCE_HYPERNYM) for l in h.lemmas
                           if self.in_gloss(s, l) and len(l) > 3 and not contains(name, l)})
            if gold:
                candidates.append((name, s, gold))
        chosen = self.sample(candidates, QUOTAS["person"])
        for name, s, gold in chosen:
            q = self.pick([f"Who was {name}?", f"What was {name} known for?", f"What is {name} remembered as?"])
            self.add("person_role", "role", name, q, gold, s.source("@i instance hypernym lemmas that the gloss uses"))
        return {c[0] for c in chosen}

    def build_succession(self):
        ordinal = re.compile(r"^(\d+)(?:st|nd|rd|th)(?: and (\d+)(?:st|nd|rd|th))? President of the United States")
        by_number = {}
        for s in self.wn.synsets.values():
            if s.pos != "n" or s.lex_filenum != 18:
                continue
            m = ordinal.match(s.gloss)
            name = self.person_name(s)
            if m and name:
                for g in (m.group(1), m.group(2)):
                    if g:
                        by_number[int(g)] = (name, s, self.person_names(s))
        pairs = [(n, by_number[n], by_number[n + 1]) for n in sorted(by_number) if n + 1 in by_number
                 and by_number[n][0] != by_number[n + 1][0]]
        for n, (name, s, _), (nxt, t, names) in self.sample(pairs, QUOTAS["successor"], key=lambda p: p[0]):
            q = self.pick([f"Who succeeded {name} as President of the United States?",
                           f"Who followed {name} as US president?",
                           f"Which president came after {name}?"])
            src = t.source(f"gloss ordinal {n + 1} of @i President of the United States (after {s.offset})")
            self.add("person_role", "successor", name, q, names, src)
        for n, (name, s, names), (nxt, t, _) in self.sample(pairs, QUOTAS["predecessor"], key=lambda p: -p[0]):
            q = self.pick([f"Who was president of the United States before {nxt}?",
                           f"Whom did {nxt} succeed as US president?",
                           f"Which US president came just before {nxt}?"])
            src = s.source(f"gloss ordinal {n} of @i President of the United States (before {t.offset})")
            self.add("person_role", "predecessor", nxt, q, names, src)

    # ----- elements: numbers and symbols -----

    def elements(self):
        if getattr(self, "_elements", None) is not None:
            return self._elements
        out = []
        for s in self.wn.synsets.values():
            if s.pos != "n" or not self.wn.is_under(s, self.element):
                continue
            number = next((int(l.split()[-1]) for l in s.lemmas if re.fullmatch(r"atomic number \d+", l)), None)
            symbol = next((l for l in s.lemmas if re.fullmatch(r"[A-Z][a-z]?", l)), None)
            names = [l for l in s.lemmas if l.islower() and not l.startswith("atomic number")]
            if number and names:
                out.append((names[0], s, number, symbol, names))
        self._elements = out
        return out

    def build_elements(self, elements):
        for name, s, number, _, _ in self.sample(elements, QUOTAS["atomic_number"]):
            q = self.pick([f"What is the atomic number of {name}?", f"Which atomic number does {name} have?",
                           f"How many protons are in the nucleus of an atom of {name}?"])
            self.add("date_number", "atomic_number", name, q, [str(number)], s.source("lemma 'atomic number N'"))
        rest = [e for e in elements if e[0] not in self.used_subjects["date_number"]]
        for name, s, number, _, names in self.sample(rest, QUOTAS["element_by_number"]):
            q = self.pick([f"Which chemical element has atomic number {number}?",
                           f"What element is number {number} in the periodic table?"])
            self.add("date_number", "element_by_number", str(number), q, names, s.source("lemma 'atomic number N'"))
        with_symbol = [e for e in elements if e[3]]
        chosen = self.sample(with_symbol, QUOTAS["chemical_symbol"])
        for name, s, _, symbol, _ in chosen:
            q = self.pick([f"What is the chemical symbol for {name}?", f"Which symbol stands for {name} in chemistry?",
                           f"How is {name} written in chemical formulas?"])
            self.add("symbol_abbreviation", "chemical_symbol", name, q, [symbol],
                     s.source("1-2 letter capitalized lemma of an element synset"), case_sensitive=True)
        rest = [e for e in with_symbol if e not in chosen]
        for name, s, _, symbol, names in self.sample(rest, QUOTAS["element_by_symbol"]):
            q = self.pick([f"Which chemical element has the symbol {symbol}?", f"What element does the symbol {symbol} stand for?"])
            self.add("symbol_abbreviation", "element_by_symbol", symbol, q, names,
                     s.source("1-2 letter capitalized lemma of an element synset"))

    def build_years(self, people, used):
        years = re.compile(r"\((\d{3,4})-(\d{3,4})\)\s*$")
        candidates = []
        for name, s in people:
            m = years.search(s.gloss)
            if m and name not in used:
                candidates.append((name, s, m.group(1), m.group(2)))
        chosen = self.sample(candidates, QUOTAS["birth_year"] + QUOTAS["death_year"])
        for i, (name, s, born, died) in enumerate(chosen):
            if i < QUOTAS["birth_year"]:
                q = self.pick([f"When was {name} born?", f"In what year was {name} born?", f"What year was {name} born in?"])
                self.add("date_number", "birth_year", name, q, [born], s.source("gloss '(born-died)' of an @i person"))
            else:
                q = self.pick([f"When did {name} die?", f"In which year did {name} die?"])
                self.add("date_number", "death_year", name, q, [died], s.source("gloss '(born-died)' of an @i person"))
        return {c[0] for c in chosen}

    # ----- acronyms -----

    @staticmethod
    def initials_match(acronym, phrase):
        words = [w for w in re.split(r"[ \-]+", phrase) if w]
        letters = acronym.lower()

        def walk(i, j):
            if j == len(words):
                return i == len(letters)
            w = words[j].lower()
            if i < len(letters) and w[0] == letters[i] and walk(i + 1, j + 1):
                return True
            return w in FUNCTION_WORDS and walk(i, j + 1)

        return len(words) >= 2 and walk(0, 0)

    def acronyms(self):
        out = []
        for s in self.wn.synsets.values():
            if s.pos != "n":
                continue
            for a in s.lemmas:
                if not re.fullmatch(r"[A-Z]{2,6}", a) or self.wn.polysemy(a) != 1:
                    continue
                expansions = [l for l in s.lemmas if l != a and self.initials_match(a, l)]
                if expansions:
                    out.append((a, s, expansions))
        return out

    def build_acronyms(self, acronyms):
        chosen = self.sample(acronyms, QUOTAS["acronym"])
        for a, s, expansions in chosen:
            q = self.pick([f"What does {a} stand for?", f"What is {a} short for?", f"Expand the abbreviation {a}.",
                           f"What is the full name behind the initials {a}?"])
            self.add("symbol_abbreviation", "acronym", a, q, expansions,
                     s.source("all-caps lemma + multi-word lemma of the same synset whose initials match"))
        rest = [c for c in acronyms if c not in chosen]
        for a, s, expansions in self.sample(rest, QUOTAS["abbreviation_of"]):
            q = self.pick([f"What is the abbreviation for {expansions[0]}?", f"How is {expansions[0]} usually abbreviated?"])
            self.add("symbol_abbreviation", "abbreviation_of", expansions[0], q, [a],
                     s.source("all-caps lemma + multi-word lemma of the same synset whose initials match"),
                     case_sensitive=True)
        return chosen

    # ----- reverse dictionary -----

    def animal_phrase(self, words, first_sense=False):
        """The longest run of `words` (up to three, from the start) that names an animal
        (with `first_sense`, whose most common sense is an animal)."""
        for n in (3, 2, 1):
            if len(words) < n:
                continue
            phrase = " ".join(words[:n])
            for candidate in (phrase, phrase[:-1] if phrase.endswith("s") else None):
                if not candidate:
                    continue
                senses = self.wn.senses(candidate)
                if senses and (self.is_animal(senses[0]) if first_sense else self.animal_sense(candidate)):
                    return candidate
        return None

    def is_gendered(self, animal):
        senses = self.wn.senses(animal)
        return animal.split()[0] in {"male", "female"} or bool(
            senses and re.search(r"\b(male|female)\b", senses[0].definition))

    def build_kin_terms(self):
        """young / female / male X: an animal synset whose definition begins with the
        relation word and names an animal that WordNet knows (the relation is detected
        from the gloss; the answer is the synset's headword)."""
        pattern = re.compile(r"^(?:a |an |the )?(young|female|male) (?:of )?(?:a |an |the )?([a-z][a-z \-]*)")
        found = collections.defaultdict(lambda: ([], []))
        for s in self.wn.synsets.values():
            if s.pos != "n" or not self.is_animal(s):
                continue
            m = pattern.match(s.definition)
            if not m:
                continue
            words = re.split(r"[ ;,]+", m.group(2).strip())
            if words and words[0] in {"any", "various", "certain", "species"}:
                continue
            animal = self.animal_phrase(words)
            relation = m.group(1)
            if not animal or animal in {"animal", "mammal"} or (relation == "young" and self.is_gendered(animal)):
                continue
            gold = [l for l in s.lemmas if not contains(l, animal) and not contains(l, relation)
                    and l.lower() != animal and len(l) > 2]
            if gold:
                found[(relation, animal)][0].extend(gold)
                found[(relation, animal)][1].append(s)
        templates = {
            "young": ["What do you call a baby {a}?", "What is a young {a} called?", "Which word names a young {a}?",
                      "What is the name for an infant {a}?"],
            "female": ["What is a female {a} called?", "Which word names a female {a}?",
                       "What do you call the female of the {a}?"],
            "male": ["What is a male {a} called?", "Which word names a male {a}?", "What do you call the male of the {a}?"],
        }
        for relation in ("young", "female", "male"):
            candidates = [(animal, gold, synsets) for (r, animal), (gold, synsets) in found.items() if r == relation]
            for animal, gold, synsets in self.sample(candidates, QUOTAS[relation]):
                q = self.pick(templates[relation]).format(a=animal)
                src = synsets[0].source(f"gloss begins '{relation} <animal>'; headword is the answer")
                self.add("reverse_dictionary", relation, animal, q, sorted(set(gold)), src)
        return found

    def build_groups(self):
        group = self.wn.find("animal group").key
        by_member = collections.defaultdict(lambda: ([], []))
        for s in self.wn.synsets.values():
            if s.pos != "n" or not self.wn.is_under(s, group):
                continue
            for member in self.wn.related(s, wndb.MEMBER_MERONYM):
                if self.is_animal(member):
                    name = next((l for l in member.lemmas if l.islower()), member.head)
                    by_member[name][0].extend(l for l in s.lemmas if l.lower() != name)
                    by_member[name][1].append(s)
        candidates = [(m, sorted(set(g)), ss) for m, (g, ss) in by_member.items() if g]
        for member, gold, synsets in self.sample(candidates, QUOTAS["group"]):
            p = self.plural(member)
            q = self.pick([f"What is a group of {p} called?", f"What do you call a group of {p}?",
                           f"Which collective noun is used for {p}?"])
            self.add("reverse_dictionary", "group", member, q, gold,
                     synsets[0].source("%m member meronym of a hyponym of 'animal group'"))

    def build_sounds(self):
        pattern = re.compile(r"\b(?:sound|sounds|cry|noise|call)(?: \w+)? (?:made by|of|produced by) (?:a |an |the )?([a-z][a-z ]*)")
        cry = self.wn.find("cry", "the characteristic utterance of an animal").key
        noise = self.wn.find("noise", "sound of any kind").key
        sound = self.wn.find("sound", "the sudden occurrence of an audible event").key
        by_animal = collections.defaultdict(lambda: ([], []))
        for s in self.wn.synsets.values():
            if s.pos != "n" or not set(s.targets(wndb.HYPERNYM)) & {cry, noise, sound}:
                continue
            m = pattern.search(s.definition)
            if not m or re.search(r"\b(resembling|like|as)\b", s.definition[:m.start()]):
                continue
            animal = self.animal_phrase(m.group(1).split(), first_sense=True)
            if not animal or animal in {"animal", "bird"}:
                continue
            by_animal[animal][0].extend(l for l in s.lemmas if l.lower() != animal)
            by_animal[animal][1].append(s)
        candidates = [(a, sorted(set(g)), ss) for a, (g, ss) in by_animal.items() if g]
        for animal, gold, synsets in self.sample(candidates, QUOTAS["sound"]):
            q = self.pick([f"What sound does {self.article(animal)} make?", f"What is the noise {self.article(animal)} makes called?",
                           f"What do you call the cry of {self.article(animal)}?"])
            self.add("reverse_dictionary", "sound", animal, q, gold,
                     synsets[0].source("hyponym of cry/noise/sound whose gloss names the animal"))

    def build_made_of(self):
        candidates = []
        for s in self.wn.synsets.values():
            if s.pos != "n" or not s.targets(wndb.SUBSTANCE_MERONYM):
                continue
            head = s.head
            if not head.islower() or self.wn.tag_counts.get(("n", head), 0) < 1 or self.is_labelled(s):
                continue
            if self.wn.senses(head)[0].key != s.key:
                continue  # only the word's most common sense
            gold = sorted({l for m in self.wn.related(s, wndb.SUBSTANCE_MERONYM) for l in m.lemmas
                           if self.in_gloss(s, l) and not contains(l, head) and not contains(head, l)})
            if gold:
                candidates.append((head, s, gold))
        for head, s, gold in self.sample(candidates, QUOTAS["made_of"]):
            noun = self.noun_phrase(head, s)
            q = self.pick([f"What is {noun} made of?", f"What substance is {noun} made from?",
                           f"What does {noun} consist of?", f"What material makes up {noun}?"])
            self.add("reverse_dictionary", "made_of", head, q, gold, s.source("%s substance meronym named in the gloss"))

    # ----- how does (Python modules, man pages) -----

    def gerund(self, verb):
        v = verb.lower()
        if v.endswith("ie"):
            return v[:-2] + "ying"
        if v.endswith("e") and not v.endswith(("ee", "ye", "oe")):
            return v[:-1] + "ing"
        if len(v) == 3 and re.fullmatch(r"[^aeiou][aeiou][^aeiouwxy]", v):
            return v + v[-1] + "ing"
        return v + "ing"

    def is_verb(self, word):
        return ("v", word.lower()) in self.wn.index

    def is_noun(self, word):
        return ("n", word.lower()) in self.wn.index

    def rephrase_synopsis(self, text):
        """'Encode and decode the JSON format.' -> ('verb', 'encoding and decoding the JSON format')"""
        text = text.strip().rstrip(".")
        words = text.split()
        if not words:
            return None, None
        first = words[0]
        lower = first.lower()
        second = words[1].lower() if len(words) > 1 else ""
        if (lower.endswith("s") and self.is_verb(lower[:-1]) and not self.is_noun(lower)
                and not second.endswith("ing") and second not in {"for", "of", "to", "with", "in", "on", "and"}):
            return "clause", " ".join([lower] + words[1:])  # "Contains ..."
        verb_first = self.is_verb(first) and first[0].isupper() and (
            not self.is_noun(lower)
            or self.wn.tag_counts.get(("v", lower), 0) > self.wn.tag_counts.get(("n", lower), 0)
            or (len(words) > 1 and words[1] in {"whether", "the", "a", "an", "if", "that", "and", "or"}))
        if verb_first:
            out = [self.gerund(first)]
            i = 1
            while i + 1 < len(words) and words[i] in {"and", "or"} and self.is_verb(words[i + 1]) and words[i + 1].islower():
                out += [words[i], self.gerund(words[i + 1])]
                i += 2
            return "verb", " ".join(out + words[i:])
        if first[1:].islower():
            first = first.lower()
        return "noun", " ".join([first] + words[1:])

    def build_python_modules(self):
        path = os.path.join(PYDOC, "py-modindex.html")
        with open(path, encoding="utf-8") as f:
            page = f.read()
        row = re.compile(r'<a href="(library/[^"#]+)#module-([\w.]+)"><code class="xref">[\w.]+</code></a></td><td>\s*'
                         r'(<strong>Deprecated:</strong>)?\s*<em>(.*?)</em>', re.S)
        candidates = []
        for m in row.finditer(page):
            name, deprecated, synopsis = m.group(2), m.group(3), html.unescape(re.sub(r"<[^>]+>", "", m.group(4)))
            if deprecated or "." in name or name.startswith("_") or not 3 <= len(synopsis.split()) <= 12:
                continue
            if "()" in synopsis or re.match(r"(The|This) module", synopsis):
                continue
            if any(contains(synopsis, part) for part in re.split(r"[_.]", name) if len(part) > 1) or contains(synopsis, name):
                continue
            form, phrase = self.rephrase_synopsis(synopsis)
            if phrase:
                line = page.count("\n", 0, m.start()) + 1
                candidates.append((name, form, phrase, line, m.group(1)))
        for name, form, phrase, line, href in self.sample(candidates, QUOTAS["python_module"]):
            if form == "clause":
                q = self.pick([f"Which Python module {phrase}?", f"Which module in Python's standard library {phrase}?"])
            elif form == "verb":
                q = self.pick([f"Which Python module is meant for {phrase}?",
                               f"What standard-library module would you use in Python for {phrase}?",
                               f"In Python, which module handles {phrase}?"])
            else:
                q = self.pick([f"Which Python module provides {phrase}?", f"What Python standard module offers {phrase}?",
                               f"Which module of Python's standard library gives you {phrase}?"])
            src = {"file": path, "line": line, "relation": f"module index synopsis of {href}, rephrased"}
            self.add("how_does", "python_module", name, q, [name], src)

    @staticmethod
    def troff_text(text):
        text = re.sub(r"\\f[BIRP]|\\f\(\w\w|\\&|\\c", "", text)
        return text.replace("\\-", "-").replace("\\ ", " ").replace("\\(em", "-").strip()

    def man_pages(self):
        files = []
        if os.path.exists(MANPAGES_LIST):
            with open(MANPAGES_LIST) as f:
                files = sorted(l.strip() for l in f if re.search(r"/man7/[^/]+\.7\.gz$", l.strip()))
        out = []
        for path in files:
            if not os.path.isfile(path) or os.path.islink(path):
                continue
            with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
            if lines and lines[0].startswith(".so"):
                continue
            try:
                start = next(i for i, l in enumerate(lines) if re.match(r'\.SH "?NAME', l))
            except StopIteration:
                continue
            body = []
            for l in lines[start + 1:]:
                if l.startswith(".SH") or l.startswith(".PP"):
                    break
                if not l.startswith("."):
                    body.append(l)
            name_line = self.troff_text(" ".join(body))
            if " - " not in name_line:
                continue
            names, desc = name_line.split(" - ", 1)
            names = [n.strip() for n in names.split(",") if n.strip()]
            desc = desc.strip().rstrip(".")
            if "character set" in desc or len(desc.split()) < 2:
                continue
            if any(contains(desc, n) for n in names):
                continue
            out.append((names[0], names, desc, path, start + 2))
        return out

    def build_man_pages(self, pages):
        chosen = self.sample(pages, QUOTAS["man_page"])
        for name, names, desc, path, line in chosen:
            d = desc
            if d.startswith("overview of "):
                q = self.pick([f"Which Linux man page gives an {d}?", f"Which section 7 manual page has an {d}?"])
            else:
                q = self.pick([f"Which Linux man page describes {d}?", f"Which section 7 manual page covers {d}?",
                               f"Where in the Linux manual is {d} documented?"])
            self.add("how_does", "man_page", name, q, names,
                     {"file": path, "line": line, "relation": "NAME line: page name - description"})
        rest = [p for p in pages if p not in chosen and len(p[2].split()) <= 4
                and not p[2].lower().startswith(("overview", "introduction", "list of"))]
        for name, names, desc, path, line in self.sample(rest, QUOTAS["man_what_is"]):
            core = re.sub(r"^(the|an?|Linux)\s+", "", desc)
            gold = sorted({desc, core})
            q = self.pick([f"What does the Linux man page {name}(7) describe?", f"What is {name}(7) about in the Linux manual?"])
            self.add("how_does", "man_what_is", name, q, gold,
                     {"file": path, "line": line, "relation": "NAME line description"})

    def third_person(self, verb):
        v = verb.lower()
        if v.endswith("s"):
            return v
        return v + ("es" if re.search(r"(sh|ch|x|z)$", v) else "s")

    def build_kernel_parameters(self):
        """`name [TAGS] Description` lines of the kernel's parameter list whose one-line
        description starts with a verb: "Which kernel parameter disables ...?" """
        with open(KERNEL_PARAMETERS, encoding="utf-8") as f:
            page = f.read()
        lines = html.unescape(re.sub(r"<[^>]+>", "", page)).split("\n")
        candidates = []
        for i, line in enumerate(lines):
            m = re.match(r"^ {8}([a-z][\w.\-]*?)(=\S*)?\s+\[([A-Z0-9_,\- ]+)\]\s+(\S.*)$", line.expandtabs(8))
            if not m:
                continue
            following = lines[i + 1].expandtabs(8) if i + 1 < len(lines) else ""
            desc = m.group(4).strip().rstrip(".")
            words = desc.split()
            if re.match(r"^\s{16,}\S", following) or not 3 <= len(words) <= 7 or "See" in words or "," in desc:
                continue
            if not self.is_verb(words[0]) or not words[0][0].isupper() or words[0].lower() in {"output", "various"}:
                continue
            if contains(desc, m.group(1)):
                continue  # the question would hold the answer
            candidates.append((m.group(1), desc, i + 1))
        for name, desc, line in self.sample(candidates, QUOTAS["kernel_parameter"]):
            words = desc.split()
            if words[:2] == ["Do", "not"]:
                phrase = "tells the kernel not to " + " ".join(words[2:])
            else:
                phrase = " ".join([self.third_person(words[0])] + words[1:])
            q = self.pick([f"Which Linux kernel boot parameter {phrase}?", f"What kernel command-line option {phrase}?"])
            self.add("how_does", "kernel_parameter", name, q, [name],
                     {"file": KERNEL_PARAMETERS, "text_line": line,
                      "relation": "kernel parameter list (line of the page's text): name [tags] description"},
                     case_sensitive=True)

    # ----- comparison -----

    def build_comparisons(self, definition_candidates, used):
        by_grandparent = collections.defaultdict(list)
        for lemma, s, gold in definition_candidates:
            if lemma in used:
                continue
            parents = self.wn.related(s, wndb.HYPERNYM)
            if len(parents) != 1:
                continue
            for gp in self.wn.related(parents[0], wndb.HYPERNYM):
                by_grandparent[gp.key].append((lemma, s, gold, parents[0].key))
        pairs = []
        for key, items in sorted(by_grandparent.items()):
            items = sorted(items, key=lambda i: i[0])
            for i, a in enumerate(items):
                for b in items[i + 1:]:
                    if a[3] != b[3] and not set(map(str.lower, a[2])) & set(map(str.lower, b[2])):
                        pairs.append((f"{a[0]}|{b[0]}", a, b))
        taken = set()
        rng = random.Random(f"{self.seed}:comparison")
        rng.shuffle(pairs)
        count = 0
        for _, a, b in sorted(pairs, key=lambda p: stable_hash(p[0])):
            if count >= QUOTAS["comparison"]:
                break
            if a[0] in taken or b[0] in taken:
                continue
            taken.update((a[0], b[0]))
            x = self.noun_phrase(a[0], a[1])
            y = self.noun_phrase(b[0], b[1])
            q = self.pick([f"What is the difference between {x} and {y}?", f"How does {x} differ from {y}?",
                           f"Compare {x} and {y}.", f"{a[0].capitalize()} or {b[0]}: what sets them apart?"])
            src = a[1].source("@ hypernyms of both (sisters under one grandparent)")
            src["other_offset"] = b[1].offset
            if self.add("comparison", "hypernyms", f"{a[0]} vs {b[0]}", q, [], src, gold_all=[a[2], b[2]]):
                count += 1

    # ----- code and error messages -----

    def errno_table(self):
        out = []
        for path in ERRNO_HEADERS:
            with open(path) as f:
                for number, line in enumerate(f, 1):
                    m = re.match(r"#define\s+(E[A-Z0-9]+)\s+(\d+)\s*/\*\s*(.*?)\s*\*/", line)
                    if m:
                        out.append((m.group(1), int(m.group(2)), m.group(3), path, number))
        return out

    def build_errno(self):
        with open(os.path.join(PYDOC, "library", "errno.html"), encoding="utf-8") as f:
            doc = html.unescape(re.sub(r"<[^>]+>", " ", f.read()))
        table = [e for e in self.errno_table() if contains(doc, e[0]) and contains(doc, e[2])]
        chosen = self.sample(table, QUOTAS["errno_meaning"])
        for name, number, message, path, line in chosen:
            q = self.pick([f"What does the errno {name} mean?", f"What is {name} among Linux error codes?",
                           f"My program failed with {name}. What does that error mean?"])
            self.add("code_error", "errno_meaning", name, q, [message],
                     {"file": path, "line": line, "relation": "#define comment"})
        counts = collections.Counter(e[2].lower() for e in table)
        rest = [e for e in table if e not in chosen and counts[e[2].lower()] == 1]
        for name, number, message, path, line in self.sample(rest, QUOTAS["errno_for_message"]):
            q = self.pick([f"Which errno code means \"{message}\"?", f"A system call failed with \"{message}\". Which errno is that?"])
            self.add("code_error", "errno_for_message", message, q, [name],
                     {"file": path, "line": line, "relation": "#define comment"}, case_sensitive=True)

    def build_exceptions(self):
        path = os.path.join(PYDOC, "library", "exceptions.html")
        with open(path, encoding="utf-8") as f:
            page = f.read()
        pairs = []
        for m in re.finditer(r'<dt class="sig sig-object py" id="(\w+)">(.*?)</dl>', page, re.S):
            text = m.group(2)
            for e in re.findall(r'href="errno.html#errno\.(E[A-Z0-9]+)"', text):
                line = page.count("\n", 0, m.start()) + 1
                pairs.append((e, m.group(1), line))
        counts = collections.Counter(e for e, _, _ in pairs)
        pairs = [p for p in pairs if counts[p[0]] == 1]
        for errno, exc, line in self.sample(pairs, QUOTAS["exception_for_errno"]):
            q = self.pick([f"Which Python exception corresponds to errno {errno}?",
                           f"What exception does Python raise when an OS call fails with {errno}?"])
            self.add("code_error", "exception_for_errno", errno, q, [exc],
                     {"file": path, "line": line, "relation": "'Corresponds to errno' in the exception's entry"},
                     case_sensitive=True)
        tree = re.search(r"<pre><span></span>BaseException\n(.*?)</pre>", page, re.S)
        parents, stack = [], [(-1, "BaseException")]
        base_line = page.count("\n", 0, tree.start()) + 1
        for line in tree.group(1).splitlines():
            m = re.match(r"^([ │]*)[├└]── (\w+)", line)
            if not m:
                continue
            depth = len(m.group(1)) // 5
            while stack and stack[-1][0] >= depth:
                stack.pop()
            parents.append((m.group(2), stack[-1][1]))
            stack.append((depth, m.group(2)))
        parents = [p for p in parents if p[1] not in {"BaseException", "Exception"}]
        for exc, parent in self.sample(parents, QUOTAS["exception_parent"]):
            q = self.pick([f"Which built-in exception does {exc} inherit from?", f"What is the parent class of {exc} in Python?"])
            self.add("code_error", "exception_parent", exc, q, [parent],
                     {"file": path, "line": base_line, "relation": "class hierarchy tree"}, case_sensitive=True)

    # ----- follow-ups -----

    def build_followups(self, by_place, elements, people, found_kin, acronyms):
        options = []
        for key, cities in sorted(by_place.items()):
            place = self.wn.get(key)
            gold = unique(g for c, k in cities if k == "national" for g in self.city_gold(c, place))
            if gold and place.head.lower() not in self.used_subjects["location_capital"] and self.wn.polysemy(place.head) <= 2:
                options.append(("capital", place.head, [f"Tell me about {place.head}.", "What is its capital?"], gold,
                                place.source("followup: @i capital's #p holonym")))
        for name, s, number, symbol, _ in sorted(elements, key=lambda e: e[0]):
            if symbol:
                options.append(("symbol", name, [f"Tell me about {name}.", "What is its chemical symbol?"], [symbol],
                                s.source("followup: symbol lemma")))
            options.append(("atomic_number", name, [f"What is {name}?", "What is its atomic number?"], [str(number)],
                            s.source("followup: 'atomic number N' lemma")))
        years = re.compile(r"\((\d{3,4})-(\d{3,4})\)\s*$")
        for name, s in sorted(people, key=lambda p: p[0]):
            m = years.search(s.gloss)
            if m:
                options.append(("born", name, [f"Who was {name}?", "In what year was this person born?"], [m.group(1)],
                                s.source("followup: gloss years")))
        for (relation, animal), (gold, synsets) in sorted(found_kin.items()):
            if relation == "young" and not self.is_gendered(animal):
                options.append(("young", animal, [f"What is {self.article(animal)}?", "What are its young called?"],
                                sorted(set(gold)), synsets[0].source("followup: gloss 'young <animal>'")))
        for a, s, expansions in sorted(acronyms, key=lambda x: x[0]):
            options.append(("acronym", a, [f"What is {a}?", "What does it stand for?"], expansions,
                            s.source("followup: acronym lemma")))
        by_type = collections.defaultdict(list)
        for o in options:
            by_type[o[0]].append(o)
        per_type = {"capital": 8, "symbol": 6, "atomic_number": 4, "born": 4, "young": 4, "acronym": 4}
        for t, n in per_type.items():
            for _, subject, turns, gold, src in self.sample(by_type[t], n, key=lambda o: o[1]):
                extra = {"case_sensitive": True} if t == "symbol" else {}
                self.add("followup", t, subject, turns[-1], gold, src, turns=turns, **extra)

    # ----- unanswerable -----

    def invented_names(self, count, shape, rng):
        onsets = ["b", "br", "d", "dr", "f", "g", "gr", "k", "kl", "l", "m", "n", "p", "pl", "r", "s", "st", "t", "tr",
                  "v", "z", "sh", "th", "qu"]
        vowels = ["a", "e", "i", "o", "u", "ai", "ou", "ee"]
        codas = ["", "", "n", "r", "l", "s", "m", "th", "x"]
        out = []
        while len(out) < count:
            syllables = 2
            word = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(syllables))
            name = shape(word)
            if all(self.absent_everywhere(part) for part in name.split()) and self.absent_everywhere(name) and name not in out:
                out.append(name)
        return out

    def build_unanswerable(self):
        rng = random.Random(f"{self.seed}:unanswerable")
        src = {"file": "generated", "relation": "invented name, absent from the dictd indexes, WordNet and Wikipedia"}

        def add(sub, subject, q, as_kind, source=src):
            self.add("unanswerable", sub, subject, q, [], dict(source), answerable=False, as_kind=as_kind)

        for name in self.invented_names(8, lambda w: w.capitalize() + rng.choice(["ia", "istan", "land", "ora"]), rng):
            add("fictional_country", name, self.pick([f"What is the capital of {name}?", f"Which city is the capital of {name}?"]),
                "location_capital")
        for name in self.invented_names(8, lambda w: w.capitalize() + " " + self.invented_names(1, str.capitalize, rng)[0], rng):
            add("fictional_person", name, self.pick([f"Who was {name}?", f"When was {name} born?", f"What was {name} known for?"]),
                "person_role")
        for name in self.invented_names(6, lambda w: w + "ium", rng):
            add("fictional_element", name, self.pick([f"What is the atomic number of {name}?", f"What is the chemical symbol for {name}?"]),
                "date_number")
        letters = "BCDFGHJKLMNPQRSTVWXZ"
        acronyms = []
        while len(acronyms) < 6:
            a = "".join(rng.choice(letters) for _ in range(rng.choice([4, 5])))
            if self.absent_everywhere(a) and a not in acronyms:
                acronyms.append(a)
        for a in acronyms:
            add("fictional_acronym", a, self.pick([f"What does {a} stand for?", f"What is {a} short for?"]), "symbol_abbreviation")
        for name in self.invented_names(6, str.lower, rng):
            add("fictional_animal", name, self.pick([f"What do you call a baby {name}?", f"What is a female {name} called?",
                                                     f"What is a group of {name}s called?"]), "reverse_dictionary")
        for name in self.invented_names(4, lambda w: "E" + w.upper()[:6], rng):
            add("fictional_errno", name, f"What does the errno {name} mean?", "code_error")
        for name in self.invented_names(4, lambda w: w.capitalize() + "Error", rng):
            add("fictional_exception", name, f"When does Python raise {name}?", "code_error")
        for name in self.invented_names(4, str.lower, rng):
            add("fictional_module", name, f"What does the Python module {name} do?", "how_does")
        for name in self.invented_names(4, str.lower, rng):
            add("fictional_word", name, self.pick([f"What is a {name}?", f"Define {name}."]), "definition")
        # Real things, facts that do not exist: the capital of a river or a mountain, the
        # atomic number of an alloy.
        places = []
        for anchor in (self.wn.find("river", "a large natural stream"), self.wn.find("mountain", "a land mass")):
            for s in self.wn.synsets.values():
                if s.pos == "n" and anchor.key in s.targets(wndb.INSTANCE_HYPERNYM) and self.wn.polysemy(s.head) == 1:
                    places.append((s.head, s))
        for name, s in self.sample(places, 8):
            add("capital_of_non_country", name, self.pick([f"What is the capital of {name}?", f"Which city is the capital of {name}?"]),
                "location_capital", s.source("instance of river/mountain: has no capital"))
        alloy = self.wn.find("alloy", "a mixture containing two or more metallic elements").key
        element_names = {n.lower() for e in self.elements() for n in e[4]}
        alloys = [(s.head, s) for s in self.wn.synsets.values()
                  if s.pos == "n" and alloy in s.targets(wndb.HYPERNYM) and s.head.islower() and self.wn.polysemy(s.head) == 1
                  and not any(w in element_names for w in re.split(r"[ \-]", s.head))]
        for name, s in self.sample(alloys, 6):
            add("atomic_number_of_alloy", name, f"What is the atomic number of {name}?", "date_number",
                s.source("hyponym of alloy: a mixture has no atomic number"))

    # ----- all -----

    def build(self):
        definitions = self.definition_candidates()
        self.build_definitions(definitions)
        by_place = self.capital_cities()
        used_places = self.build_capitals(by_place)
        self.build_where_is(by_place, used_places)
        people = self.famous_people()
        used_people = self.build_people(people)
        self.build_succession()
        elements = self.elements()
        self.build_elements(elements)
        used_people |= self.build_years(people, used_people)
        acronyms = self.acronyms()
        self.build_acronyms(acronyms)
        found_kin = self.build_kin_terms()
        self.build_groups()
        self.build_sounds()
        self.build_made_of()
        self.build_python_modules()
        self.build_man_pages(self.man_pages())
        self.build_kernel_parameters()
        self.build_comparisons(definitions, self.used_subjects["definition"])
        self.build_errno()
        self.build_exceptions()
        remaining_people = [p for p in people if p[0] not in used_people]
        self.build_followups(by_place, elements, remaining_people, found_kin, acronyms)
        self.build_unanswerable()
        return self.questions


def default_wiki_file():
    data = os.environ.get("SIFT_DATA_DIR") or os.path.expanduser("~/.local/share/siftd")
    return os.path.join(data, "wiki", "summaries_en-us.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=".build/eval/questions.jsonl")
    parser.add_argument("--wiki", default=default_wiki_file(), help="the Wikipedia summaries file (for absence checks)")
    parser.add_argument("--seed", type=int, default=SEED,
                        help="another seed draws other subjects and phrasings from the same relations (a fresh, unseen set)")
    parser.add_argument("--web-corpus", help="also write a sift-replay corpus (--corpus) for a subset of the questions")
    parser.add_argument("--web-questions", help="and those questions, as JSONL (default: next to the corpus)")
    parser.add_argument("--web-count", type=int, default=60)
    args = parser.parse_args()

    questions = Builder(args.wiki, args.seed).build()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps(q, ensure_ascii=False, sort_keys=True) + "\n")

    counts = collections.Counter(q["kind"] for q in questions)
    splits = collections.Counter(q["split"] for q in questions)
    answerable = sum(q["answerable"] for q in questions)
    print(f"build_set: {len(questions)} questions ({answerable} answerable, {len(questions) - answerable} unanswerable; "
          f"dev {splits['dev']}, test {splits['test']}) -> {args.out}")
    for kind, n in sorted(counts.items()):
        subs = collections.Counter(q["subkind"] for q in questions if q["kind"] == kind)
        print(f"  {kind:20} {n:4}  " + ", ".join(f"{s} {c}" for s, c in sorted(subs.items())))

    if args.web_corpus:
        import web_corpus
        subset = web_corpus.write(questions, args.web_corpus, args.web_count)
        path = args.web_questions or os.path.join(os.path.dirname(os.path.abspath(args.web_corpus)), "questions-web.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            for q in subset:
                f.write(json.dumps(q, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"build_set: web corpus for {len(subset)} questions -> {args.web_corpus}, {path}")


if __name__ == "__main__":
    main()
