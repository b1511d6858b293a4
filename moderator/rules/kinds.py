"""Registers every built-in rule kind by importing the modules that define them.

Import this before loading a rule set (the command line does); the loader itself only knows
the registry, so tests can load rule sets made of test-only kinds.
"""

import moderator.rules.behaviour
import moderator.rules.classifier
import moderator.rules.ranker_rule
import moderator.rules.text_rules
import moderator.rules.words  # noqa: F401  (imported for the registration they do)
