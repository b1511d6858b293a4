"""The editors' review window: troubled threads ranked, one read as a reply tree, escalations
decided. It may import comments, dialogs and common, never another window's package.
"""
