"""A reader of WordNet 3.0's own database files (Debian `wordnet-base`,
/usr/share/wordnet): data.<pos> and index.<pos>, in the format wndb(5) describes.

    synset_offset lex_filenum ss_type w_cnt word lex_id [word lex_id...] p_cnt
        [ptr...] [frames...] | gloss

w_cnt and lex_id are hexadecimal, p_cnt decimal; each pointer is
`pointer_symbol synset_offset pos source/target`. Only what the question set needs
is kept: lemmas, pointers, the gloss, and where the line is in its file.
"""
import os
from dataclasses import dataclass, field

WORDNET_DIR = "/usr/share/wordnet"
POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}

# Pointer symbols (wninput(5WN)) the question set uses.
HYPERNYM = "@"
INSTANCE_HYPERNYM = "@i"
HYPONYM = "~"
INSTANCE_HYPONYM = "~i"
MEMBER_HOLONYM = "#m"
SUBSTANCE_HOLONYM = "#s"
PART_HOLONYM = "#p"
MEMBER_MERONYM = "%m"
SUBSTANCE_MERONYM = "%s"
PART_MERONYM = "%p"


@dataclass
class Pointer:
    symbol: str
    offset: int
    pos: str
    source: int  # 0: the whole synset; else the lemma number in the source synset
    target: int


@dataclass
class Synset:
    offset: int
    pos: str
    lex_filenum: int
    words: list  # lemmas as written (underscores for spaces, adjective markers removed)
    pointers: list = field(default_factory=list)
    gloss: str = ""
    file: str = ""
    line: int = 0

    @property
    def key(self):
        return (self.pos if self.pos != "s" else "a", self.offset)

    @property
    def lemmas(self):
        """The lemmas with spaces."""
        return [w.replace("_", " ") for w in self.words]

    @property
    def head(self):
        return self.lemmas[0]

    def targets(self, symbol):
        return [(p.pos if p.pos != "s" else "a", p.offset) for p in self.pointers if p.symbol == symbol]

    @property
    def definition(self):
        """The gloss up to the first example sentence (`; "..."`)."""
        text = self.gloss
        cut = text.find('; "')
        if cut >= 0:
            text = text[:cut]
        if text.startswith('"'):
            text = ""
        return text.strip().rstrip(";").strip()

    def source(self, relation):
        return {"file": self.file, "line": self.line, "offset": self.offset, "relation": relation}


def _strip_marker(word):
    # Adjectives may carry a syntactic marker: (a), (p), (ip).
    if word.endswith(")") and "(" in word:
        return word[: word.index("(")]
    return word


def parse_data_line(line):
    if line.startswith("  "):
        return None  # the licence header
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    offset = int(fields[0])
    lex_filenum = int(fields[1])
    pos = fields[2]
    w_cnt = int(fields[3], 16)
    words = []
    i = 4
    for _ in range(w_cnt):
        words.append(_strip_marker(fields[i]))
        i += 2
    p_cnt = int(fields[i])
    i += 1
    pointers = []
    for _ in range(p_cnt):
        symbol, target, tpos, st = fields[i], int(fields[i + 1]), fields[i + 2], fields[i + 3]
        pointers.append(Pointer(symbol, target, tpos, int(st[:2], 16), int(st[2:], 16)))
        i += 4
    return Synset(offset, pos, lex_filenum, words, pointers, gloss.strip())


class WordNet:
    """Every synset of the given parts of speech, and the index of lemmas."""

    def __init__(self, directory=WORDNET_DIR, parts=("noun", "verb")):
        self.directory = directory
        self.synsets = {}
        self.index = {}  # (pos, lemma lower with spaces) -> [offsets in sense order]
        self.tag_counts = {}  # (pos, lemma) -> tagsense_cnt
        for part in parts:
            path = os.path.join(directory, "data." + part)
            rel = os.path.relpath(path, "/") if path.startswith("/") else path
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    synset = parse_data_line(line.rstrip("\n"))
                    if synset is None:
                        continue
                    synset.file = "/" + rel
                    synset.line = number
                    self.synsets[synset.key] = synset
            self._read_index(os.path.join(directory, "index." + part))

    def _read_index(self, path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("  "):
                    continue
                fields = line.split()
                lemma, pos = fields[0].replace("_", " "), fields[1]
                synset_cnt, p_cnt = int(fields[2]), int(fields[3])
                rest = fields[4 + p_cnt:]
                tagged = int(rest[1])
                offsets = [int(x) for x in rest[2:2 + synset_cnt]]
                self.index[(pos, lemma)] = offsets
                self.tag_counts[(pos, lemma)] = tagged

    def get(self, key):
        return self.synsets.get(key)

    def senses(self, lemma, pos="n"):
        """The synsets of `lemma` (any case), in WordNet's sense order."""
        return [self.synsets[(pos, o)] for o in self.index.get((pos, lemma.lower().replace("_", " ")), []) if (pos, o) in self.synsets]

    def polysemy(self, lemma, pos="n"):
        return len(self.index.get((pos, lemma.lower().replace("_", " ")), []))

    def related(self, synset, symbol):
        return [self.synsets[k] for k in synset.targets(symbol) if k in self.synsets]

    def ancestors(self, synset, depth=12):
        """Every hypernym (and instance hypernym) above `synset`, nearest first."""
        seen, frontier, order = set(), [synset], []
        for _ in range(depth):
            nxt = []
            for s in frontier:
                for t in self.related(s, HYPERNYM) + self.related(s, INSTANCE_HYPERNYM):
                    if t.key not in seen:
                        seen.add(t.key)
                        order.append(t)
                        nxt.append(t)
            frontier = nxt
        return order

    def ancestor_keys(self, synset):
        """The keys of every hypernym and instance hypernym above `synset` (memoized)."""
        memo = self.__dict__.setdefault("_ancestor_keys", {})
        found = memo.get(synset.key)
        if found is None:
            found = set()
            for parent in self.related(synset, HYPERNYM) + self.related(synset, INSTANCE_HYPERNYM):
                found.add(parent.key)
                found |= self.ancestor_keys(parent)
            memo[synset.key] = found
        return found

    def is_under(self, synset, ancestor_key):
        return ancestor_key in self.ancestor_keys(synset)

    def find(self, lemma, gloss_start="", pos="n"):
        """The synset of `lemma` whose gloss starts with `gloss_start` (to name anchors
        without hard-coding offsets)."""
        for s in self.senses(lemma, pos):
            if s.gloss.startswith(gloss_start):
                return s
        raise KeyError(f"{lemma!r} ({gloss_start!r}) not in WordNet")
