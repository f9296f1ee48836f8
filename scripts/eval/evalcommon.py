"""What the question-set generator, the runner and the system test share: how an
answer is compared with its gold answers, and how a question is assigned to a split."""
import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def normalize(text, case_sensitive=False):
    """Diacritics and punctuation stripped, spaces collapsed, lower case unless
    `case_sensitive`: "Zürich's" -> "zurich s"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    if not case_sensitive:
        text = text.lower()
    return " ".join(_NON_WORD.sub(" ", text).split())


def contains(haystack, needle, case_sensitive=False):
    """Whether `needle` occurs in `haystack` as whole words, after normalization."""
    n = normalize(needle, case_sensitive)
    if not n:
        return False
    return f" {n} " in f" {normalize(haystack, case_sensitive)} "


def matches_gold(text, question):
    """Whether `text` holds a gold answer of `question`: one of `gold`, and when the
    question has `gold_all`, one of every inner list."""
    cs = bool(question.get("case_sensitive"))
    if question.get("gold_all"):
        return all(any(contains(text, g, cs) for g in group) for group in question["gold_all"])
    return any(contains(text, g, cs) for g in question.get("gold", []))


def mentions_any_gold(text, question):
    """Whether `text` holds any single gold string (for citation checks, where one
    source may support one half of a comparison)."""
    cs = bool(question.get("case_sensitive"))
    golds = list(question.get("gold", []))
    for group in question.get("gold_all") or []:
        golds.extend(group)
    return any(contains(text, g, cs) for g in golds)


def split_of(question_id):
    """`dev` or `test`, from a stable hash of the id (about half each)."""
    digest = hashlib.sha256(question_id.encode("utf-8")).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def stable_hash(text):
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def slug(text):
    return normalize(text).replace(" ", "-")[:60] or "x"
