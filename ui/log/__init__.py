"""The moderation log window: its paged model, filters, status-bar figures, the chain check and
exports run off the GUI thread. It may import comments, dialogs and common, never another
window's package.
"""
