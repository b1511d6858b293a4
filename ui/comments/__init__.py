"""The comment table every window shows: its model read a page at a time, its view and the one rule
for which rows a decision acts on, flag chips, comments written as plain text, and the decisions
on its rows. It may import dialogs and common, never a window's package.
"""
