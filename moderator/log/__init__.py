"""The moderation log's read side: reading and filtering it (queries), what an entry says of a
comment (content, details), checking its chain against the rows (verify, anchor) and exporting
it with the current decisions (export). It may import the store, the models and formats;
writing the log is services.history's.
"""
