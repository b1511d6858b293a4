"""What bench_rules_quality checks of the default word lists, as plain functions: how much of
the shared surge-ai list they cover by category, whether they see through digit leetspeak,
which innocent words, names and places they leave alone, how precise each auto-hidden word
is on the labelled tuning sets, and that a word quoted or talked about is flagged, not hidden.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderator.rules.model import Hit, RuleAction
from moderator.rules.words import WordListRule

# The digits and symbols that stand for letters, as the issue lists them: each letter with
# the characters that may replace it.
LEET_FOR = {
    **{"a": "4@", "b": "8", "e": "3", "g": "9", "i": "1", "l": "1", "o": "0", "s": "5$"},
    "t": "7",
}

# Canonical forms of the surge-ai list that are everyday or identity words in news comments:
# flagging them on their own would flag the news (and the people it is about), so they are
# left out of the coverage, each with the reason.
EVERYDAY = {
    **dict.fromkeys(
        ("gay", "homosexual", "lesbian", "jew", "queer", "transvestite", "gypsy", "abraham"),
        "who people are",
    ),
    **dict.fromkeys(
        ("hell", "damn", "sex", "suck", "bang", "finger", "meat", "wound", "loose", "crow"),
        "an everyday word",
    ),
    **dict.fromkeys(
        ("pig", "swine", "monkey", "ape", "trash", "garbage bag", "tramp", "nymph", "hustler"),
        "an everyday word",
    ),
    **dict.fromkeys(
        ("butt", "bum", "booty", "jerk", "spank", "bung", "ramrod"), "an everyday word"
    ),
    **dict.fromkeys(
        ("penis", "vagina", "vulva", "anus", "rectum", "breast", "nipple", "testicles"),
        "an anatomical word, in health news",
    ),
    **dict.fromkeys(
        ("foreskin", "sphincter", "crotch", "orgasm", "ejaculation", "sperm", "masturbate"),
        "an anatomical word, in health news",
    ),
    **dict.fromkeys(
        ("anal", "cunnilingus", "fellatio", "sadomasochism", "bondage", "69"),
        "a clinical or everyday word",
    ),
    **dict.fromkeys(
        ("pedophile", "molest", "grope", "upskirt", "jailbait", "kkk", "klan", "jim crow"),
        "a word crime and history news uses",
    ),
    **dict.fromkeys(
        ("shylock", "spook", "greaser", "cholo", "abo", "mong", "hebe", "knob", "coot"),
        "a name or everyday word more often than a slur",
    ),
    **dict.fromkeys(
        ("dong", "wang", "tart", "slit", "cooties", "scut", "buttermilk", "taking the piss"),
        "a name or everyday word more often than a slur",
    ),
    **dict.fromkeys(
        ("bender", "dipstick", "diddle", "hooters", "pecker", "weiner", "boobs"),
        "a name or everyday word more often than a slur",
    ),
    **dict.fromkeys(("dick", "sambo", "nonce"), "a name, a sport or a computing word as often"),
    **dict.fromkeys(
        ("snatch", "gash", "muff", "bonk", "spunk"), "an everyday word (to muff a catch)"
    ),
}

# Innocent words, names and places that hold a listed word ("Scunthorpe", "van Dyke") or
# read like leetspeak ("45s"): not one may be flagged by the default rules.
INNOCENT = (
    *("Scunthorpe", "assessment", "cocktail", "Dickens", "therapist", "grape", "analysis"),
    *("Essex", "class", "Sussex", "Middlesex", "Penistone", "Cockburn", "Hancock", "Hitchcock"),
    *("peacock", "shuttlecock", "cockpit", "passport", "embassy", "assassinate", "bass"),
    *("grassroots", "embarrass", "Matsushita", "shiitake", "document", "circumstance"),
    *("accumulate", "cumin", "Arsenal", "buttress", "title", "analyst", "Uranus", "snigger"),
    *("spicy", "raccoon", "tycoon", "cocoon", "scrapbook", "skyscraper", "hello", "shell"),
    *("homogeneous", "sextant", "Sextus", "retardant", "Japan", "niggle", "pricey", "Kuntz"),
    *("wanderer", "spice", "manuscript", "therapeutic", "rapeseed", "Hoek van Holland"),
    *("Pakistan", "Montenegro", "Negroni", "Cockney", "Assiniboine", "titular", "Sextet"),
    # Names and places.
    *("van Dyke", "Dick Van Dyke", "Moby Dick", "Philip K. Dick", "Dick Cheney", "Dick Tracy"),
    *("Lake Titicaca", "Clitheroe", "Shitterton", "Twatt", "Wankie", "Scrotum Lane"),
    *("Bastardo", "Cockermouth", "Cumbria", "Cummings", "Prickwillow", "Dikshit", "Assen"),
    *("Hitchens", "Fagan", "Faggin", "Spicer", "Coonoor", "Niger", "Nigeria"),
    *("Nigerien", "Gookin", "Dyker Heights", "Cumnock", "Penisola Sorrentina"),
    *("Sussex Drive", "Hooterville", "Cockfosters", "Twatling Road", "Fanny Adams"),
    *("Titchfield", "Tittensor", "Scunthorpe United", "Middlesbrough", "Arsenal FC"),
    # Everyday words holding a listed one.
    *("classic", "glasses", "harass", "massive", "compass", "bassoon", "cassette", "mass"),
    *("grasshopper", "trespass", "tassel", "molasses", "ambassador", "hassle", "lass"),
    *("cockatoo", "cockroach", "hitchhike", "dickey", "Dickensian", "fagot of sticks"),
    *("cumulative", "cucumber", "circumference", "scumble", "titanic", "titillate"),
    *("constitution", "competition", "petition", "repetition", "partition", "titmouse"),
    *("shittah tree", "pussycat", "pussy willow", "bitcoin", "whoever", "whole", "shoe"),
    *("hoedown", "spiccato", "despicable", "Spick and span", "coonhound"),
    *("raccoons", "tycoons", "cocoons", "documentary", "sextuple"),
    *("Sextans", "mistletoe", "bass guitar", "classroom", "passage", "assume", "assist"),
    *("cocky", "prickly", "pricking", "wankel engine", "bastion", "shitake mushrooms"),
    *("twattle", "arsenic", "parse", "sparse", "coarse", "hearse", "rehearse", "Clitoria"),
    # Numbers and units that read like leetspeak.
    *("45s", "the 1990s", "7th", "9pm", "a 55-inch screen", "B52s", "the 80s", "4x4"),
    *("1st and 3rd", "a 401k", "mp3s", "747s", "F-35s", "G7", "8th grade", "5G"),
    *("the F49 bus", "London N19", "the S149 road", "a C117 form", "H49", "route D490"),
)

# Sentences that quote a listed word or talk about it: a person decides (flagged, not
# hidden). ``{word}`` is a word the default set hides.
QUOTED = (
    'He called him a "{word}" in front of everyone.',
    "The word {word} should never be printed.",
    "She was fined for using the slur '{word}' at a game.",
    "Calling someone a “{word}” is hate speech, full stop.",
    "The term {word} has a long, ugly history.",
)


@dataclass(frozen=True, slots=True)
class Canonical:
    """A canonical form of the surge-ai list: its categories and highest severity."""

    form: str
    categories: frozenset[str]
    severity: float
    # How many entries of the list (spellings, plurals, disguises) have it as a form.
    entries: int = 1


def read_canonical(path: Path) -> list[Canonical]:
    """The distinct canonical forms of the surge-ai list (columns canonical_form_1-3,
    category_1-3, severity_rating), each with every category it is listed under."""
    categories: dict[str, set[str]] = defaultdict(set)
    severity: dict[str, float] = {}
    entries: dict[str, int] = defaultdict(int)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            cats = {row[f"category_{n}"].strip() for n in (1, 2, 3)} - {""}
            for n in (1, 2, 3):
                form = row[f"canonical_form_{n}"].strip().lower()
                if form:
                    entries[form] += 1
                    categories[form] |= cats
                    rating = float(row["severity_rating"] or 0)
                    severity[form] = max(severity.get(form, 0.0), rating)
    return [
        Canonical(form, frozenset(cats), severity[form], entries[form])
        for form, cats in categories.items()
    ]


@dataclass(frozen=True, slots=True)
class Coverage:
    category: str
    covered: int
    total: int
    missing: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.covered / self.total if self.total else 1.0


def coverage(
    forms: Sequence[Canonical], flags: Callable[[str], bool]
) -> tuple[list[Coverage], Coverage]:
    """Per category, and over all: how many canonical forms (everyday words left out) the
    default rules flag when written alone."""
    by_category: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    every: list[tuple[str, bool]] = []
    for canonical in forms:
        if canonical.form in EVERYDAY:
            continue
        seen = flags(canonical.form)
        every.append((canonical.form, seen))
        for category in canonical.categories:
            by_category[category].append((canonical.form, seen))

    def summed(name: str, found: list[tuple[str, bool]]) -> Coverage:
        missing = tuple(sorted(form for form, seen in found if not seen))
        return Coverage(name, len(found) - len(missing), len(found), missing)

    rows = [summed(name, found) for name, found in sorted(by_category.items())]
    return rows, summed("all categories", every)


def leet_variants(word: str) -> list[str]:
    """Ways of writing a word with digits and symbols for letters: each letter that has a
    stand-in replaced on its own (by each stand-in), and every such letter replaced at once
    but the first letter kept (all digits would be a number: "455")."""
    variants: list[str] = []
    positions = [n for n, letter in enumerate(word) if letter in LEET_FOR]
    for position in positions:
        for stand_in in LEET_FOR[word[position]]:
            variants.append(word[:position] + stand_in + word[position + 1 :])
    if len(positions) > 1:
        letters = list(word)
        for position in positions[1:] if positions[0] == 0 else positions:
            letters[position] = LEET_FOR[word[position]][0]
        variants.append("".join(letters))
    return list(dict.fromkeys(variant for variant in variants if variant != word))


def entries(rule: WordListRule) -> list[str]:
    """A word-list rule's entries: those in its table, then those of its terms file."""
    listed = list(rule.terms)
    if rule.terms_file is not None:
        for line in rule.terms_file.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                listed.append(line.strip().lower())
    return listed


def listed_words(terms: Iterable[str]) -> list[str]:
    """The single words among list entries (wildcards' stems; phrases left out)."""
    words = (term.strip("*").lower() for term in terms)
    return list(dict.fromkeys(word for word in words if word.isalpha()))


@dataclass(frozen=True, slots=True)
class Precision:
    """How often a text an auto-hidden word hit should be flagged, on the tuning sets."""

    term: str
    right: int
    hits: int

    @property
    def share(self) -> float:
        return self.right / self.hits if self.hits else 0.0


def hide_precision(
    texts: Sequence[str], labels: Sequence[bool], check: Callable[[str], list[Hit]]
) -> dict[str, Precision]:
    """Per word list entry that hides: of the texts it hid, how many are labelled to flag.
    A plural counts with its singular ("cunts" with "cunt")."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for text, label in zip(texts, labels, strict=True):
        terms = {hit.term for hit in check(text) if hit.action is RuleAction.HIDE and hit.term}
        for term in terms:
            counts[term][0] += label
            counts[term][1] += 1
    return {term: Precision(term, right, hits) for term, (right, hits) in counts.items()}


def singular(term: str, terms: Iterable[str]) -> str:
    """The entry a plural counts with: "cunts" with "cunt" where both are listed."""
    known = set(terms)
    for ending in ("ies", "es", "s"):
        if term.endswith(ending):
            stem = term[: -len(ending)] + ("y" if ending == "ies" else "")
            if stem in known:
                return stem
    return term


def pooled(found: Iterable[dict[str, Precision]], terms: Sequence[str]) -> dict[str, Precision]:
    """Precisions of several sets added up per entry, plurals with their singular."""
    right: dict[str, int] = defaultdict(int)
    hits: dict[str, int] = defaultdict(int)
    for precisions in found:
        for precision in precisions.values():
            key = singular(precision.term, terms)
            right[key] += precision.right
            hits[key] += precision.hits
    return {term: Precision(term, right[term], hits[term]) for term in hits}
