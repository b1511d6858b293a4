"""Words that say nothing of a comment alone ("by", "the", "s" of "liberal's"): never given
as a reason for a score. They still count in the score, and in a pair with a word that is
not one ("you people") they are a reason like any other."""

from __future__ import annotations

# English function words, and the pieces that splitting at apostrophes leaves ("don't" ->
# "don", "t"; "they're" -> "they", "re").
_FUNCTION_WORDS = """
a about above after again against all also am an and any are aren as at be because been
before being below between both but by can cannot could couldn did didn do does doesn doing
don down during each either else ever few for from further had hadn has hasn have haven
having he her here hers herself him himself his how i if in into is isn it its itself just
let me more most much must mustn my myself neither no nor not now of off on once only or
other ought our ours ourselves out over own same shan she should shouldn so some such than
that the their theirs them themselves then there these they this those though through to
too under until up upon us very was wasn we were weren what when where which while who whom
whose why will with won would wouldn yet you your yours yourself yourselves
d ll m re s t ve
"""
STOP_WORDS = frozenset(_FUNCTION_WORDS.split())


def is_stop_phrase(name: str) -> bool:
    """Whether a reason's words are all stop words, single letters or numbers (named extras,
    such as ``rule:insults``, never are)."""
    if ":" in name:
        return False
    return all(word in STOP_WORDS or len(word) == 1 or word.isdigit() for word in name.split())
