"""The rules module: decides what a moderator looks at first, and says exactly why.

Pure Python: comment snapshots in, hits with spans out. No SQLAlchemy, no Qt. Import
``moderator.rules.kinds`` to register the built-in kinds before loading a rule set.
"""

from moderator.rules.engine import RuleEngine
from moderator.rules.loader import LoadError, Problem, load_rule_set, read_rule_set

__all__ = ["LoadError", "Problem", "RuleEngine", "load_rule_set", "read_rule_set"]
