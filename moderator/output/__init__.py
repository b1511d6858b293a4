"""What the desk shows and writes: untrusted text made inert (display), the command line's
tables and progress (terminal), and export files written whole without harming another
(files). It imports nothing else of Moderator's.
"""
