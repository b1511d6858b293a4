"""The desk's read side as plain snapshots: articles, comments, profiles and authors
(snapshots), the comment queue a page at a time (queue) and troubled threads for editors
(review). It may import the store and the domain, never services or the command line.
"""
