"""One function per user action: takes a Session, returns what changed, never commits; with
team mode's logins (team) and other desks' changes as change records (live). It may import
the log, queries, store, rules, ranking and formats, never insights, runs or the command line.
"""
