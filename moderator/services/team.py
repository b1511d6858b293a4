"""Team mode on PostgreSQL: each person's own login, and the server enforcing what roles allow."""

from __future__ import annotations

from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from moderator.domain import Role
from moderator.domain.errors import ServiceError
from moderator.domain.names import normal_name, refuse_look_alike
from moderator.formats.modlog import evidence_text
from moderator.services.history import Actor, NewEntry, append
from moderator.services.roles import PROFILE_ACTION
from moderator.store.models import Profile

# The group every person's login belongs to; what it may do is granted here, to it alone.
DESK_ROLE = "moderator_desk"
# Tables the desk keeps by itself (claims, flags, the ranker, the statistics' roll-ups): any
# row may be written, none is a record of who decided what.
_WORK_TABLES = (
    "claim",
    "flag",
    "ranker",
    "ranker_seed",
    "decision_hour",
    "queue_flow",
    "queue_import",
    "queue_spell",
    "decision_wait",
    "stats_rollup",
    # An import being written in parts (moderator.services.staging): what is staged there
    # becomes the record only as its log entries are appended.
    "import_batch",
    "import_step",
    "import_move",
)


class TeamError(ServiceError):
    """Team mode refused something: not PostgreSQL, not the owner, or acting as someone else."""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def desk_login(session: Session) -> str | None:
    """The server login acting, when it is a member of the desk group (team mode), else None
    (SQLite, or the database's owner): then that login is the only name it may act as."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    user, member = session.execute(
        text(
            "SELECT session_user, EXISTS (SELECT 1 FROM pg_auth_members m"
            " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
            " WHERE g.rolname = :desk AND u.rolname = session_user)"
        ),
        {"desk": DESK_ROLE},
    ).one()
    return str(user) if member else None


def refuse_other_name(session: Session, name: str) -> None:
    """Refuse (``TeamError``) acting as ``name`` on a team database where the login is
    someone else: there the server knows who is connected, and that is who acts."""
    login = desk_login(session)
    if login is not None and name != login:
        raise TeamError(
            f"on this server you act as your own login, {login}: not as {name}"
            f" (leave out --as and MODERATOR_USER, or give --as {login})"
        )


def _functions(schema: str) -> list[str]:
    s = _ident(schema)
    # Every function names its tables with their schema and searches pg_temp last: a desk
    # login may create temporary tables, which must never stand in for the real ones.
    path = f"SET search_path = pg_catalog, {s}, pg_temp"
    member = (
        f"CREATE OR REPLACE FUNCTION {s}.moderator_desk_member() RETURNS boolean"
        f" LANGUAGE sql STABLE {path} AS $$"
        " SELECT EXISTS (SELECT 1 FROM pg_auth_members m"
        " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member"
        f" WHERE g.rolname = '{DESK_ROLE}' AND u.rolname = session_user) $$"
    )
    # The role a login acts in is its profile's: one source of truth with the desk, changed
    # only by an editor (the profile trigger below), so no server role needs granting.
    own_role = (
        f"CREATE OR REPLACE FUNCTION {s}.moderator_desk_role() RETURNS text"
        f" LANGUAGE sql STABLE {path} AS $$"
        f" SELECT role::text FROM {s}.profile WHERE name = session_user $$"
    )
    refuse = "RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE ="
    log_insert = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_log_insert() RETURNS trigger LANGUAGE plpgsql {path}
AS $$
DECLARE own text;
BEGIN
  IF NOT {s}.moderator_desk_member() THEN RETURN NEW; END IF;
  own := {s}.moderator_desk_role();
  IF NEW.actor = session_user AND NEW.role = own THEN RETURN NEW; END IF;
  -- The rules' runs and platform states (actor system) are an editor's act in team mode.
  IF NEW.actor = 'system' AND NEW.role = 'system' AND own = 'editor' THEN RETURN NEW; END IF;
  {refuse} format('%s may log only in their own name and role (%s), not as %s (%s)',
    session_user, coalesce(own, 'no profile'), NEW.actor, NEW.role);
END $$"""
    head_update = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_head_update() RETURNS trigger LANGUAGE plpgsql {path}
AS $$
BEGIN
  IF NOT {s}.moderator_desk_member() THEN RETURN NEW; END IF;
  IF NEW.id = OLD.id AND NEW.seq >= OLD.seq
     AND NEW.seq = (SELECT max(seq) FROM {s}.log_entry)
     AND NEW.hash = (SELECT hash FROM {s}.log_entry WHERE seq = NEW.seq) THEN
    RETURN NEW;
  END IF;
  {refuse} 'the log''s head moves only to its last entry';
END $$"""
    comment_insert = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_comment_insert() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
BEGIN
  IF NOT {s}.moderator_desk_member() THEN RETURN NEW; END IF;
  IF (SELECT locked FROM {s}.article WHERE id = NEW.article_id) THEN
    {refuse} format('article %s is locked: it takes no new comments', NEW.article_id);
  END IF;
  IF NEW.status = 'pending' AND NOT NEW.escalated AND NEW.version = 0 THEN RETURN NEW; END IF;
  {refuse} 'a comment is stored pending; its state changes only with a log entry';
END $$"""
    # The import lock's limits: what is past them is an import not shown yet
    # (moderator.store.visibility).
    shown_comments, shown_articles = (
        f"(SELECT coalesce(max({limit}), 9223372036854775807) FROM {s}.import_batch)"
        for limit in ("comments_upto", "articles_upto")
    )
    comment_update = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_comment_update() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
DECLARE e record; prior record;
BEGIN
  IF NOT {s}.moderator_desk_member() THEN RETURN NEW; END IF;
  IF NEW.id <> OLD.id OR NEW.body IS DISTINCT FROM OLD.body
     OR NEW.article_id IS DISTINCT FROM OLD.article_id THEN
    {refuse} format('comment %s: its text and article are the record of its import', OLD.id);
  END IF;
  IF NEW.imported_at IS DISTINCT FROM OLD.imported_at AND OLD.id <= {shown_comments} THEN
    {refuse} format('comment %s: its import time is the record of its import', OLD.id);
  END IF;
  IF (NEW.status, NEW.escalated, NEW.version)
     IS NOT DISTINCT FROM (OLD.status, OLD.escalated, OLD.version) THEN
    RETURN NEW;
  END IF;
  IF (SELECT locked FROM {s}.article WHERE id = OLD.article_id) THEN
    {refuse} format('comment %s: its article is locked by an editor', OLD.id);
  END IF;
  -- The entry the comment's new version names must be this transaction's own, about this
  -- comment, and say exactly this move: no change goes unlogged, nor logged after the fact.
  SELECT actor, role, comment_id, from_status, to_status, escalated,
         xmin = pg_current_xact_id()::xid AS fresh
    INTO e FROM {s}.log_entry WHERE seq = NEW.version;
  IF NOT FOUND OR NOT e.fresh OR e.comment_id IS DISTINCT FROM NEW.id
     OR e.from_status IS DISTINCT FROM OLD.status::text
     OR e.to_status IS DISTINCT FROM NEW.status::text
     OR e.escalated IS DISTINCT FROM NEW.escalated
     OR e.actor NOT IN (session_user, 'system') THEN
    {refuse} format('comment %s: a change of status or escalation needs its own log entry,'
      ' made in the same transaction (entry %s is not one)', OLD.id, NEW.version);
  END IF;
  IF e.role IN ('editor', 'system') THEN RETURN NEW; END IF;
  -- A moderator from here on.
  IF OLD.status <> 'pending' AND NEW.status <> 'pending' AND NEW.status <> OLD.status THEN
    {refuse} format('comment %s: overturning a decision needs an editor', OLD.id);
  END IF;
  IF OLD.escalated AND NEW.status <> OLD.status THEN
    {refuse} format('comment %s: deciding an escalated comment needs an editor', OLD.id);
  END IF;
  IF OLD.status = 'pending' AND NOT OLD.escalated THEN RETURN NEW; END IF;
  IF NEW.status = OLD.status AND NEW.escalated AND NOT OLD.escalated THEN RETURN NEW; END IF;
  -- Sending back (or un-escalating) what was decided: only one's own, as a moderator; else
  -- a restore and an approve would overturn someone's hide in two steps.
  SELECT actor, role INTO prior FROM {s}.log_entry WHERE seq = OLD.version;
  IF FOUND AND prior.actor = session_user AND prior.role = 'moderator' THEN RETURN NEW; END IF;
  {refuse} format('comment %s: changing %s''s decision needs an editor', OLD.id,
    coalesce(prior.actor, 'someone else'));
END $$"""
    staged_delete = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_staged_delete() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
DECLARE b record;
BEGIN
  IF NOT {s}.moderator_desk_member() THEN RETURN OLD; END IF;
  -- Only an import still being stored is taken back: by whoever writes it, or by anyone
  -- once it has not moved for two minutes (its desk is gone); never one being shown.
  SELECT state, actor, touched_at INTO b FROM {s}.import_batch;
  IF FOUND AND b.state = 'staging'
     AND (b.actor = session_user OR b.touched_at < now() - interval '2 minutes')
     AND ((TG_TABLE_NAME = 'comment' AND OLD.id > {shown_comments})
          OR (TG_TABLE_NAME = 'article' AND OLD.id > {shown_articles})) THEN
    RETURN OLD;
  END IF;
  {refuse} format('%s %s: only an import still being stored is taken back',
    TG_TABLE_NAME, OLD.id);
END $$"""
    article_update = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_article_update() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
BEGIN
  IF NOT {s}.moderator_desk_member() OR NEW.locked IS NOT DISTINCT FROM OLD.locked
     OR {s}.moderator_desk_role() = 'editor' THEN
    RETURN NEW;
  END IF;
  {refuse} format('locking or unlocking article %s needs an editor', OLD.id);
END $$"""
    profile_write = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_profile_write() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
BEGIN
  IF NOT {s}.moderator_desk_member() OR {s}.moderator_desk_role() = 'editor' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'INSERT' AND NEW.name = session_user AND NEW.role = 'moderator' THEN
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.role IS NOT DISTINCT FROM OLD.role THEN RETURN NEW; END IF;
  {refuse} format('giving %s a role needs an editor', NEW.name);
END $$"""
    note_insert = f"""
CREATE OR REPLACE FUNCTION {s}.moderator_note_insert() RETURNS trigger LANGUAGE plpgsql
{path} AS $$
BEGIN
  IF NOT {s}.moderator_desk_member()
     OR (NEW.actor = session_user AND NEW.role = {s}.moderator_desk_role()) THEN
    RETURN NEW;
  END IF;
  {refuse} format('%s may leave notes only in their own name', session_user);
END $$"""
    return [
        member,
        own_role,
        log_insert,
        head_update,
        comment_insert,
        comment_update,
        staged_delete,
        article_update,
        profile_write,
        note_insert,
    ]


# (trigger's table, when, function)
_TRIGGERS = (
    ("log_entry", "BEFORE INSERT", "moderator_log_insert"),
    ("log_head", "BEFORE UPDATE", "moderator_head_update"),
    ("comment", "BEFORE INSERT", "moderator_comment_insert"),
    ("comment", "BEFORE UPDATE", "moderator_comment_update"),
    ("article", "BEFORE UPDATE", "moderator_article_update"),
    ("comment", "BEFORE DELETE", "moderator_staged_delete"),
    ("article", "BEFORE DELETE", "moderator_staged_delete"),
    ("profile", "BEFORE INSERT OR UPDATE", "moderator_profile_write"),
    ("note", "BEFORE INSERT", "moderator_note_insert"),
)


def _grants(schema: str, tables: list[str]) -> list[str]:
    s, desk = _ident(schema), _ident(DESK_ROLE)
    every = ", ".join(f"{s}.{_ident(table)}" for table in tables)
    work = ", ".join(f"{s}.{_ident(table)}" for table in _WORK_TABLES if table in tables)

    def on(table: str) -> str:
        return f"{s}.{_ident(table)}"

    return [
        # From a clean slate, so that running setup again takes back anything granted by hand.
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {desk}, PUBLIC",
        f"GRANT USAGE ON SCHEMA {s} TO {desk}",
        f"GRANT SELECT ON {every} TO {desk}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {s} TO {desk}",
        f"GRANT INSERT, UPDATE, DELETE ON {work} TO {desk}",
        # The log: appended to, never changed (no UPDATE, DELETE or TRUNCATE for anyone but
        # the owner); its head moves only to the last entry (trigger).
        f"GRANT INSERT ON {on('log_entry')}, {on('note')}, {on('author')} TO {desk}",
        f"GRANT UPDATE (seq, hash) ON {on('log_head')} TO {desk}",
        # A comment's text, author and article are never updated by the desk; its state only
        # with its log entry (trigger).
        # Deleted only while an import not shown yet is taken back (trigger).
        f"GRANT INSERT, DELETE ON {on('comment')} TO {desk}",
        f"GRANT UPDATE (status, escalated, version, position, parent_id, urgency, hide_rank,"
        f" imported_at) ON {on('comment')} TO {desk}",
        f"GRANT INSERT, DELETE, UPDATE (source, updated_at, locked) ON {on('article')} TO {desk}",
        f"GRANT INSERT, UPDATE (role) ON {on('profile')} TO {desk}",
    ]


def set_up(connection: Connection) -> None:
    """Make the database a team's (again): the desk group role, its grants and the triggers
    that hold every member to their role. Run by the database's owner, on its schema; safe to
    run again (after an upgrade, say). Does not commit."""
    if connection.dialect.name != "postgresql":
        raise TeamError("team mode needs PostgreSQL: a SQLite file is as safe as its permissions")
    schema = str(connection.scalar(text("SELECT current_schema()")))
    owner = connection.scalar(
        text(
            "SELECT pg_get_userbyid(relowner) FROM pg_class"
            " WHERE relname = 'log_entry' AND relnamespace = current_schema()::regnamespace"
        )
    )
    if owner is None:
        raise TeamError("this database has no moderation log yet: open it once to create it")
    exists = connection.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": DESK_ROLE})
    if exists is None:
        connection.execute(text(f"CREATE ROLE {_ident(DESK_ROLE)} NOLOGIN"))
    tables = list(
        connection.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = :s ORDER BY 1"), {"s": schema}
        )
    )
    for statement in _grants(schema, tables) + _functions(schema):
        connection.execute(text(statement))
    s = _ident(schema)
    for table, when, function in _TRIGGERS:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {function} ON {s}.{_ident(table)}"))
        connection.execute(
            text(
                f"CREATE TRIGGER {function} {when} ON {s}.{_ident(table)}"
                f" FOR EACH ROW EXECUTE FUNCTION {s}.{function}()"
            )
        )


def add_member(session: Session, name: str, *, role: Role, owner: str) -> Profile:
    """A person's login (made if missing, without a password: the server's administrator
    sets one) in the desk group, and their profile in ``role``, logged as given by the
    database's owner (login ``owner``) acting for the system. Does not commit."""
    name = normal_name(name)
    if not name:
        raise TeamError("a member needs a name")
    found = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": name})
    if found is None:
        session.execute(text(f"CREATE ROLE {_ident(name)} LOGIN IN ROLE {_ident(DESK_ROLE)}"))
    else:
        session.execute(text(f"GRANT {_ident(DESK_ROLE)} TO {_ident(name)}"))
    profile = session.scalar(select(Profile).where(Profile.name == name))
    facts: dict[str, object] = {"profile": name, "role": str(role), "granted_by_login": owner}
    if profile is None:
        refuse_look_alike(name, session.scalars(select(Profile.name)))
        profile = Profile(name=name, role=role)
        session.add(profile)
        note = f"{name}: new {role} (team member added by the database owner, {owner})"
    elif profile.role == role:
        return profile
    else:
        facts["previous_role"] = str(profile.role)
        note = f"{name}: role changed from {profile.role} to {role} by the database owner"
        profile.role = role
    session.flush()
    append(
        session,
        Actor("system", "system"),
        [NewEntry(PROFILE_ACTION, note=note, evidence=evidence_text(facts))],
    )
    return profile
