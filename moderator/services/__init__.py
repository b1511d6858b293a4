"""One function per user action: takes a Session, returns what changed, never commits."""
