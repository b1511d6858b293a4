"""The rules module: decides what a moderator looks at first, and says exactly why.

Pure Python: comment snapshots in, hits with spans out. No SQLAlchemy, no Qt. Import
``moderator.rules.kinds`` to register the built-in kinds before loading a rule set.

The package itself imports nothing: every ``moderator`` command imports the rules' CLI module,
and only the commands that use rules should pay for loading the engine and its RE2 patterns.
"""
