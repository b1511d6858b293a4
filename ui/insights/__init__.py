"""The insights window: charts and tables over a snapshot of the desk's figures. It may import
comments, dialogs and common, never another window's package.
"""
