"""Dialogs more than one window asks: who is at the desk (profile), why comments are hidden
(reason), an editor's decision (editor) and the settings. They may import common only.
"""
