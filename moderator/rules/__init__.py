"""The rules module: decides what a moderator looks at first, and says exactly why.

Pure Python: comment snapshots in, hits with spans out. No SQLAlchemy, no Qt.
"""
