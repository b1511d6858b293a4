"""The command line: one module per command group, ``opening`` shared by them, ``main`` over
all. It may import the core (services, queries, insights, store, rules, formats), never Qt or
``ui``; each command loads what it needs when it runs.
"""

import gc

# Loading the command line (SQLAlchemy and the models) makes some hundred thousand objects that
# live as long as the process. The cyclic collector would walk them again and again while they
# load, a third of a short command's time: it is held off meanwhile, then told they stay.
_collecting = gc.isenabled()
gc.disable()
try:
    from moderator.cli.main import main
finally:
    gc.freeze()
    if _collecting:
        gc.enable()

__all__ = ["main"]
