"""The author window: one author across every article, with notes and decisions. It may import
comments, dialogs and common, never another window's package.
"""
