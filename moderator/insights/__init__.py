"""Insights, the read side: how the desk and its rules are doing, as numbers for charts
(stats: decisions, people, rules, articles; queue: waits and backlog; hours, period: the
spans they are counted in; rows: the same as table rows for CSV; snapshot: all of it read at
once for the window). It may import the store and the models, never the command line.
"""
