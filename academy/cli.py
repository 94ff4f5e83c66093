"""``flask academy ...``: commands for operators.

Each command is one unit of work, like a request: the services it calls change and
flush, and the command commits once at its end.
"""

import click
from flask import Flask
from flask.cli import AppGroup

from academy.extensions import db

academy_cli = AppGroup("academy", help="Academy administration.")


@academy_cli.command("create-coach")
@click.option("--academy", "academy_name", required=True, help="Name of the new academy.")
@click.option("--name", required=True, help="The owner coach's name.")
@click.option("--email", required=True, help="The owner coach's email.")
@click.password_option(help="The owner coach's password (asked for when left out).")
def create_coach(academy_name, name, email, password):
    """Create an academy and its owner coach, even when sign-up is switched off."""
    from academy.auth import service
    from academy.errors import AcademyError

    try:
        owner = service.create_coach(academy_name, name, email, password)
        db.session.commit()
    except AcademyError as error:
        # The API's rules, the API's words: "password: Must not contain your name."
        problems = [f"{field}: {m}" for field, ms in (error.errors or {}).items() for m in ms]
        raise click.ClickException(" ".join([error.detail or "", *problems]).strip()) from error
    click.echo(f"Created academy {owner.academy_id} with owner {owner.email} (user {owner.id}).")


@academy_cli.command("load-catalogue")
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False),
    help="A catalogue file other than the one shipped with Academy.",
)
def load_catalogue(path):
    """Add or update the global exercise catalogue from its data file (idempotent)."""
    from academy.exercises import service

    entries = service.read_catalogue(path) if path else service.read_catalogue()
    counts = service.load_catalogue(entries)
    db.session.commit()
    click.echo("Catalogue: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@academy_cli.command("demo")
def demo():
    """Load (or refresh) the demo academy and print how to sign in."""
    from academy import database
    from academy import demo as demo_data

    lines = demo_data.load()
    db.session.commit()
    # A bulk load: the planner's statistics, fresh (SQLite would otherwise have none).
    with db.engine.begin() as connection:
        database.analyze(connection)
    for line in lines:
        click.echo(line)


@academy_cli.command("rebuild-summaries")
@click.option(
    "--missing",
    is_flag=True,
    help="Only the clients without a summary (after an upgrade that added them).",
)
def rebuild_summaries(missing):
    """Work out every client's summary again (what the dashboard and the client list read)
    from their check-ins, schedule and assessments, then refresh the planner's statistics.

    Every write keeps the summaries up to date; this is for data loaded past the API (a
    restore, a bulk import), for the clients an upgrade found (`--missing`, which the
    migrate service runs after every upgrade) and as a check that nothing has drifted.
    """
    from academy import database
    from academy.checkins import summaries

    connection = db.session.connection()
    with database.unbounded(connection):
        count = summaries.rebuild(connection, missing_only=missing)
    db.session.commit()
    with db.engine.begin() as connection:
        database.analyze(connection)
    click.echo(f"Rebuilt the summaries of {count} clients.")


@academy_cli.command("recompute-activities")
@click.option("--dry-run", is_flag=True, help="Say what would change, and change nothing.")
def recompute_activities(dry_run):
    """Read every stored activity file again: sport, kind, figures and legs, and the
    check-ins (and so the load) they fed."""
    from academy.activities.recompute import recompute

    lines = recompute()
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} line(s); {'nothing changed (dry run)' if dry_run else 'saved'}.")


@academy_cli.command("purge-keys")
def purge_keys():
    """Delete Idempotency-Keys past their retention and expired rate-limit hits (hourly)."""
    from academy.auth import ratelimit
    from academy.common.idempotency import purge_expired

    # The rate-limit store commits on a connection of its own (see academy.auth.ratelimit),
    # so it goes before this command's own transaction takes the write lock.
    hits = ratelimit.purge()
    keys = purge_expired()
    db.session.commit()
    click.echo(f"Deleted {keys} expired idempotency keys.")
    click.echo(f"Deleted {hits} expired rate-limit hits.")


@academy_cli.command("prepare-storage")
def prepare_storage():
    """Make the file storage's folder or bucket if it is missing (idempotent)."""
    from academy.files.storage import storage

    store = storage()
    store.prepare()
    click.echo(f"File storage ready: {store.description}")


@academy_cli.command("move-files")
@click.option(
    "--from",
    "source",
    type=click.Path(file_okay=False),
    help="The folder to take files from (default: FILE_STORAGE_PATH).",
)
@click.option("--remove", is_flag=True, help="Remove each file from the folder once copied.")
def move_files(source, remove):
    """Copy the files kept in a folder (FILE_STORAGE_PATH) to the configured storage.

    Keys stay the same, so the rows that name them need no change. Files the storage
    already holds are skipped: run it again after an interruption.
    """
    from pathlib import Path

    from flask import current_app

    from academy.files.storage import copy_folder, folder, storage

    origin = Path(source) if source else folder(current_app)
    counts = copy_folder(origin, storage(), remove=remove)
    click.echo(
        f"Files from {origin} to {storage().description}: "
        + ", ".join(f"{n} {what}" for what, n in counts.items())
    )


@academy_cli.command("worker")
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
def worker(once):
    """Send the outbox's mail, retrying with backoff while the mail server is away.

    Runs until stopped (SIGTERM or SIGINT end it after the mail being sent). Each mail
    is committed as sent the moment the server accepts it.
    """
    import signal

    from academy.mail import worker as mail_worker

    stopping = []

    def stop(signum, frame):
        stopping.append(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)}
    mail_worker.log.info("mail worker started", extra={"once": once})
    try:
        mail_worker.run(once=once, stop=lambda: bool(stopping))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    mail_worker.log.info("mail worker stopped")


def init_app(app: Flask) -> None:
    app.cli.add_command(academy_cli)
