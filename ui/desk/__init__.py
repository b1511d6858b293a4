"""The desk window: the main window with its articles, queue header, detail pane and menus, the
keymap and its help, imports and the ranker at the desk, and the links that open the other
windows. It may import every other ui package.
"""
