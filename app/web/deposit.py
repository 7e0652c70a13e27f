"""Editors change the collection: deposit a new article, replace one, withdraw one.

Every deposit goes through the same pipeline as ``records load`` (:func:`app.ingest.prepare`):
a file that is not valid is refused with its report and the store is not touched. The store
records who did what and keeps each replaced version. The rules are given the store and the
settings they act on (:class:`~app.factory.Services`); only the routes look them up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from app.config import Settings
from app.factory import Services, services
from app.ingest import Part, Prepared, check, commit, pieces, prepare, prepare_part, preview
from app.store.base import Header, Store
from app.web.auth import current_user, login_required
from app.web.blueprint import bp
from app.web.report import ReportView
from app.web.uploads import Upload, UploadError, from_form, upload_limit
from app.web.validate import report_view

DEPOSIT_ORIGIN = "deposit"


class DepositError(Exception):
    """A refused change: the HTTP status, a sentence, and the validation report if any."""

    def __init__(self, status: int, message: str, report: ReportView | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.report = report


@dataclass(frozen=True)
class Outcome:
    identifier: str
    header: Header
    changed: bool
    created: bool
    notes: tuple[str, ...] = ()


def _prepare(settings: Settings, upload: Upload, part: Part | None = None) -> Prepared:
    """Validate and render (the file, or one article of it), or raise :class:`DepositError`
    carrying the report."""
    if part is None:
        result = prepare(
            upload.data, settings=settings, origin=DEPOSIT_ORIGIN, filename=upload.filename
        )
    else:
        result = prepare_part(part, settings=settings, origin=DEPOSIT_ORIGIN)
    if isinstance(result, Prepared):
        return result
    view = report_view(preview(result, settings), upload,
                       part.identifier if part is not None else None)
    kinds = {p.kind for p in result.errors}
    if not result.report.usable:
        message = "The file was not accepted: it cannot be read as a JATS article."
    elif kinds & {"not-an-article", "not-renderable"}:
        message = "The file was not accepted: " + "; ".join(
            p.message for p in result.errors if p.kind in ("not-an-article", "not-renderable")
        )
    else:
        message = "The file was not accepted: it is not valid against its JATS schema."
    raise DepositError(422, message, view)


def _notes(prepared: Prepared) -> tuple[str, ...]:
    left = tuple(f"Not available in {p}: {why}" for p, why in prepared.left_out.items())
    return left + prepared.warnings


def _commit(store: Store, prepared: Prepared, actor: str, *, created: bool) -> Outcome:
    result = commit(store, prepared, actor=actor)
    return Outcome(prepared.draft.identifier, result.header, result.changed, created,
                   _notes(prepared))


def deposit_each(svc: Services, upload: Upload,
                 actor: str) -> list[tuple[str | None, Outcome | DepositError]] | None:
    """Each article of a saved OAI-PMH response deposited on its own, as :func:`deposit_new`
    would (each in its own transaction: a refused one writes nothing, and takes nothing
    back from the others); None when the upload holds one article."""
    found = pieces(upload.data, svc.settings)
    if found is None:
        return None
    done: list[tuple[str | None, Outcome | DepositError]] = []
    for piece in found:
        part = check(piece, svc.settings, upload.filename)
        try:
            done.append((part.identifier, deposit_new(svc, upload, actor, part)))
        except DepositError as exc:
            done.append((part.identifier, exc))
    return done


def deposit_new(svc: Services, upload: Upload, actor: str, part: Part | None = None) -> Outcome:
    """A new article (the upload, or one article of it); refused when a live record has the
    same identifier (use replace)."""
    prepared = _prepare(svc.settings, upload, part)
    identifier = prepared.draft.identifier
    existing = svc.store.header(identifier)
    if existing is not None and existing.deleted:
        check_may_act(svc.store, identifier, actor, "deposit again")
    if existing is not None and not existing.deleted:
        raise DepositError(409, (
            f"An article with the identifier '{identifier}' exists already. To put a new "
            "version in its place, use 'Replace' on its page (or PUT to its API address)."
        ))
    return _commit(svc.store, prepared, actor, created=True)


def depositor(store: Store, local_id: str) -> str | None:
    """Who deposited the record: the actor of its first change (a loader's name for records
    loaded from a folder, which therefore belong to no editor)."""
    history = store.history(local_id)
    return history[0].actor if history else None


def check_may_act(store: Store, local_id: str, actor: str, verb: str) -> None:
    """An editor acts on the records they deposited; only an administrator on others'."""
    owner = depositor(store, local_id)
    if owner == actor:
        return
    user = store.user(actor)
    if user is not None and user.admin:
        store.audit(actor, f"{verb} as administrator", f"{local_id} (deposited by {owner})")
        return
    if owner != actor:
        raise DepositError(403, (
            f"Only an administrator may {verb} '{local_id}': it was deposited by "
            f"{owner or 'someone else'}, not by {actor}."
        ))


def replace(svc: Services, local_id: str, upload: Upload, actor: str) -> Outcome:
    """A new version of an existing article; the file must identify as the same article."""
    existing = svc.store.header(local_id)
    if existing is None:
        raise DepositError(404, f"There is no article '{local_id}' to replace.")
    check_may_act(svc.store, local_id, actor, "replace")
    prepared = _prepare(svc.settings, upload)
    if prepared.draft.identifier != local_id:
        raise DepositError(409, (
            f"This file describes the article '{prepared.draft.identifier}', not '{local_id}' "
            "(the identifier comes from the journal and article ids inside the file). Deposit "
            "it as a new article, or correct its ids."
        ))
    return _commit(svc.store, prepared, actor, created=False)


def withdraw(store: Store, local_id: str, actor: str) -> Header:
    existing = store.header(local_id)
    if existing is None:
        raise DepositError(404, f"There is no article '{local_id}' to withdraw.")
    if existing.deleted:
        raise DepositError(409, f"The article '{local_id}' was withdrawn already.")
    check_may_act(store, local_id, actor, "withdraw")
    header = store.withdraw(local_id, actor=actor)
    if header is None:
        raise DepositError(404, f"There is no article '{local_id}' to withdraw.")
    return header


def _refused(exc: DepositError | UploadError, back_url: str, back_label: str) -> Any:
    report = exc.report if isinstance(exc, DepositError) else None
    title = "Deposit refused" if report or exc.status != 404 else "Not found"
    return render_template(
        "error.html", title=title, message=exc.message, report=report,
        back_url=back_url, back_label=back_label,
    ), exc.status


@bp.route("/deposit", methods=["GET", "POST"])
@login_required
def deposit_page() -> Any:
    if request.method == "GET":
        return render_template("deposit.html")
    back = url_for("web.deposit_page")
    try:
        upload = from_form(request, upload_limit(), allow_paste=False)
        outcome = deposit_new(services(current_app), upload, current_user() or "")
    except (UploadError, DepositError) as exc:
        return _refused(exc, back, "Back to the deposit form")
    flash(f"Deposited '{outcome.identifier}': it is live in OAI-PMH now.")
    for note in outcome.notes:
        flash(note)
    return redirect(url_for("web.article_page", local_id=outcome.identifier), code=303)


@bp.route("/deposit/replace/<path:local_id>", methods=["POST"])
@login_required
def replace_page(local_id: str) -> Any:
    back = url_for("web.article_page", local_id=local_id)
    try:
        upload = from_form(request, upload_limit(), allow_paste=False)
        outcome = replace(services(current_app), local_id, upload, current_user() or "")
    except (UploadError, DepositError) as exc:
        return _refused(exc, back, "Back to the article")
    if outcome.changed:
        flash(f"Replaced '{local_id}': harvesters get the new version with a new datestamp.")
        for note in outcome.notes:
            flash(note)
    else:
        flash(f"The file is identical to the current version of '{local_id}'; nothing changed.")
    return redirect(url_for("web.article_page", local_id=local_id), code=303)


@bp.route("/deposit/withdraw/<path:local_id>", methods=["POST"])
@login_required
def withdraw_page(local_id: str) -> Any:
    back = url_for("web.article_page", local_id=local_id)
    if request.form.get("confirm") != "yes":
        return render_template(
            "error.html", title="Not withdrawn",
            message="Tick the confirmation box to withdraw the article.",
            back_url=back, back_label="Back to the article",
        ), 400
    try:
        withdraw(services(current_app).store, local_id, current_user() or "")
    except DepositError as exc:
        return _refused(exc, back, "Back to the article")
    flash(f"Withdrew '{local_id}': harvesters now see a deleted record.")
    return redirect(url_for("web.article_page", local_id=local_id), code=303)
