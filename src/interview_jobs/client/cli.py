"""Client commands: ``signup``, ``login``, ``logout``, ``submit``, ``jobs``, ``report``,
``progress``, ``cancel``, ``retry``, ``delete``.

They talk to a running API (``--api``, default ``INTERVIEW_JOBS_API_URL`` or
http://127.0.0.1:8000). Exit codes: 0 success; 1 the job FAILED or was CANCELLED; 2 bad usage
(a missing file, not a video, nothing to read a password from); 3 the API refused (the message
says why) or cannot be reached, or you are not logged in; 4 ``report`` of a job that is not
finished yet; 130 interrupted.
Progress goes to stderr, results to stdout (``--json`` prints JSON only on stdout).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from interview_jobs.client.http import ApiClient, ApiError

EXIT_JOB_FAILED = 1
EXIT_USAGE = 2
EXIT_API = 3
EXIT_NOT_READY = 4
EXIT_INTERRUPTED = 130

ApiOption = Annotated[
    str | None,
    typer.Option(
        "--api",
        help="API base URL (default: INTERVIEW_JOBS_API_URL or http://127.0.0.1:8000)",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON on stdout")]
QuestionOption = Annotated[
    list[str] | None,
    typer.Option(
        "--question",
        help="an interview question, in the order asked (repeat it); '1:05 Why us?' says when "
        "it was asked; a bank id (beh-001) picks a question of the bank",
        show_default=False,
    ),
]
QuestionsFileOption = Annotated[
    Path | None,
    typer.Option(
        "--questions-file",
        help="questions, one per line as for --question, or a JSON array of the API's items "
        "(before any --question)",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]


def _api_url(api: str | None) -> str:
    if api:
        return api.rstrip("/")
    from interview_jobs.config import Settings

    return Settings().api_url


def _stderr() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout() -> Console:
    from rich.console import Console

    return Console(highlight=False)


def _die(message: str, code: int) -> NoReturn:
    from rich.markup import escape

    _stderr().print(f"[red]error:[/red] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def _api_failed(error: ApiError, url: str) -> NoReturn:
    message = error.message
    if error.status == 401:
        message += f"\nLog in again: interview-jobs login --api {url}"
    _die(message, EXIT_API)


@contextmanager
def _session(api: str | None) -> Iterator[ApiClient]:
    """An ApiClient with the stored token for this API (or exit telling how to log in); an
    ApiError raised inside the block exits with its message (and how to log in again on 401)."""
    from interview_jobs.client import credentials
    from interview_jobs.client.http import ApiClient, ApiError

    url = _api_url(api)
    login = credentials.load(url)
    if login is None:
        # Say "not logged in" only of an API that answers: a wrong --api is the likelier mistake.
        with ApiClient(url, timeout=5.0) as probe:
            try:
                probe.check_reachable()
            except ApiError as exc:
                if exc.code == "Unreachable":
                    _die(exc.message, EXIT_API)
        _die(f"not logged in to {url}: run `interview-jobs login --api {url}`", EXIT_API)
    if login.expired:
        _die(f"your login to {url} has expired: run `interview-jobs login --api {url}`", EXIT_API)
    with ApiClient(url, login.token) as client:
        try:
            yield client
        except ApiError as exc:
            _api_failed(exc, url)


def _print_json(value: Any) -> None:
    import json

    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _ask(label: str, *, hide_input: bool = False, confirm: bool = False) -> str:
    """Prompt for a value; an empty or closed standard input is bad usage, said in words (the
    prompt alone would end with "Aborted!")."""
    try:
        if hide_input and not sys.stdin.isatty():
            # Piped: one line, without getpass's warning that it cannot hide what is typed.
            line = sys.stdin.readline()
            if not line:
                raise EOFError
            value = line.rstrip("\r\n")
        else:
            value = str(typer.prompt(label, hide_input=hide_input, confirmation_prompt=confirm))
    except (typer.Abort, EOFError):
        hint = " (use --password-stdin to pipe it)" if hide_input else " (use --username)"
        _die(f"no {label.lower()} given: standard input is empty or closed{hint}", EXIT_USAGE)
    if not value.strip():
        _die(f"the {label.lower()} is empty", EXIT_USAGE)
    return value


def _read_password(from_stdin: bool, *, confirm: bool = False) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            _die("no password on standard input", EXIT_USAGE)
        return password
    return _ask("Password", hide_input=True, confirm=confirm)


def _log_in(
    url: str, username: str | None, password_stdin: bool, *, register_first: bool = False
) -> None:
    """Ask for what was not given, log in (after signing up), keep the token."""
    import time

    from interview_jobs.client import credentials
    from interview_jobs.client.http import ApiClient, ApiError

    username = username or _ask("Username")
    password = _read_password(password_stdin, confirm=register_first)
    with ApiClient(url) as client:
        try:
            if register_first:
                client.register(username, password)
            token = client.login(username, password)
        except ApiError as exc:
            _api_failed(exc, url)
    lifetime = int(token.get("expiresIn") or 3600)
    path = credentials.save(
        credentials.Login(
            api_url=url,
            username=username,
            token=str(token["accessToken"]),
            expires_at=time.time() + lifetime - 30,
        )
    )
    _stderr().print(
        f"Logged in to {url} as {username} (valid for {lifetime // 60} minutes; "
        f"token kept in {path})."
    )


def register(app: typer.Typer) -> None:
    """Add the client commands to the main CLI."""
    panel = "Client (talks to a running API)"
    for name, command in (
        ("signup", signup),
        ("login", login),
        ("logout", logout),
        ("submit", submit),
        ("jobs", jobs),
        ("report", report),
        ("progress", progress),
        ("cancel", cancel),
        ("retry", retry),
        ("delete", delete),
    ):
        app.command(name, rich_help_panel=panel)(command)


PasswordStdinOption = Annotated[
    bool, typer.Option("--password-stdin", help="read the password from standard input")
]


def signup(
    username: Annotated[
        str | None, typer.Option(help="3-64 characters: letters, digits, . _ -")
    ] = None,
    password_stdin: PasswordStdinOption = False,
    api: ApiOption = None,
) -> None:
    """Create an account on the API, then log in."""
    _log_in(_api_url(api), username, password_stdin, register_first=True)


def login(
    username: Annotated[str | None, typer.Option(help="asked for when not given")] = None,
    password_stdin: PasswordStdinOption = False,
    api: ApiOption = None,
) -> None:
    """Log in and keep the token (mode 0600) in your config directory."""
    _log_in(_api_url(api), username, password_stdin)


def logout(api: ApiOption = None) -> None:
    """Forget the stored token of this API."""
    from interview_jobs.client import credentials

    url = _api_url(api)
    forgotten = credentials.forget(url)
    _stderr().print(f"Logged out of {url}." if forgotten else f"Not logged in to {url}.")


def submit(
    video: Annotated[str, typer.Argument(help="a video file to upload, or an http(s) URL")],
    analysis_type: Annotated[
        str,
        typer.Option("--type", help="comprehensive, speech or visual"),
    ] = "comprehensive",
    wait: Annotated[
        bool, typer.Option("--wait", help="follow the job to its end, then print the report")
    ] = False,
    question: QuestionOption = None,
    questions_file: QuestionsFileOption = None,
    as_json: JsonOption = False,
    api: ApiOption = None,
) -> None:
    """Upload a video (or give a URL) and create an analysis job."""
    from interview_jobs.client.questions import QuestionsError, read_questions, wire
    from interview_jobs.contracts.common import AnalysisType

    try:
        kind = AnalysisType(analysis_type.lower())
    except ValueError:
        _die(f"--type must be one of {', '.join(t.value for t in AnalysisType)}", EXIT_USAGE)
    try:
        questions = read_questions(question or [], questions_file)
    except QuestionsError as exc:
        _die(str(exc), EXIT_USAGE)
    is_url = video.lower().startswith(("http://", "https://"))
    path = Path(video)
    content_type = _check_video(path) if not is_url else ""
    with _session(api) as client:
        file_id = None
        if not is_url:
            file_id = int(_upload(client, path, content_type)["id"])
        created = client.analyze(
            analysis_type=kind.value,
            file_id=file_id,
            video_url=video if is_url else None,
            questions=wire(questions) if questions is not None else None,
        )
        job_id = str(created["jobId"])
        err = _stderr()
        err.print(f"Job {job_id} created ({created.get('status')}).")
        if not wait:
            if as_json:
                _print_json(created)
            else:
                sys.stdout.write(job_id + "\n")
            return
        try:
            final = _follow(client, job_id)
            detail = client.detail(job_id)
        except KeyboardInterrupt:
            err.print(
                f"Stopped following; the job goes on. See it with: interview-jobs report {job_id}"
            )
            raise typer.Exit(EXIT_INTERRUPTED) from None
        _finish(detail, final, as_json)


def jobs(
    status: Annotated[
        str | None,
        typer.Option(help="only jobs with this status (PENDING, PROCESSING, COMPLETED, …)"),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="jobs per page")] = 50,
    all_pages: Annotated[bool, typer.Option("--all", help="follow every page")] = False,
    as_json: JsonOption = False,
    api: ApiOption = None,
) -> None:
    """List your jobs, newest first."""
    from interview_jobs.client.render import jobs_table
    from interview_jobs.contracts.common import JobStatus

    wanted = None
    if status:
        try:
            wanted = JobStatus(status.upper()).value
        except ValueError:
            _die(f"--status must be one of {', '.join(s.value for s in JobStatus)}", EXIT_USAGE)
    with _session(api) as client:
        found, nxt = client.jobs(status=wanted, limit=limit)
        while all_pages and nxt:
            page, nxt = client.jobs(page_url=nxt)
            found += page
        if as_json:
            _print_json(found)
            return
        if not found:
            _stderr().print("No jobs." if not wanted else f"No {wanted} jobs.")
            return
        scores = _scores(client, found)
        _stdout().print(jobs_table(found, scores))
        if nxt:
            _stderr().print(f"More jobs: --limit {min(200, limit * 2)} or --all.")


def _scores(client: ApiClient, found: list[dict[str, Any]]) -> dict[str, Any]:
    """The score of each COMPLETED job: one progress request (its series holds the newest 1,000
    completed jobs with their scores); a job older than those, from its own detail."""
    completed = [str(job["jobId"]) for job in found if job.get("status") == "COMPLETED"]
    if not completed:
        return {}
    series = client.progress().get("series") or {}
    scores = dict(zip(series.get("jobId") or [], series.get("score") or [], strict=False))
    for job_id in completed:
        if job_id not in scores:
            scores[job_id] = (client.detail(job_id).get("detailedAnalysis") or {}).get("score")
    return scores


def report(
    job_id: Annotated[str, typer.Argument(help="the job's id")],
    as_json: JsonOption = False,
    api: ApiOption = None,
) -> None:
    """Show a job's report (--json: the job with its detailedAnalysis)."""

    with _session(api) as client:
        detail = client.detail(job_id)
        _finish(detail, detail, as_json)


def progress(
    since: Annotated[
        str | None,
        typer.Option("--from", help="from this date or datetime on (ISO 8601, UTC if no zone)"),
    ] = None,
    until: Annotated[
        str | None, typer.Option("--to", help="up to this date (included) or datetime")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="only answers to questions of this category")
    ] = None,
    as_json: JsonOption = False,
    api: ApiOption = None,
) -> None:
    """Your progress over your completed interviews: latest, average, best and a trend."""
    from interview_jobs.client.render import progress_renderable

    with _session(api) as client:
        body = client.progress(
            **{"from": since or "", "to": until or "", "category": category or ""}
        )
    if as_json:
        _print_json(body)
        return
    if not body.get("attempts"):
        _stderr().print(
            "No completed interviews yet"
            + (f" in category {category}" if category else "")
            + (" in that time" if since or until else "")
            + "."
        )
        return
    _stdout().print(progress_renderable(body))


JobIdArgument = Annotated[str, typer.Argument(help="the job's id")]


def cancel(job_id: JobIdArgument, as_json: JsonOption = False, api: ApiOption = None) -> None:
    """Cancel a job that is waiting or running."""

    with _session(api) as client:
        job = client.cancel(job_id)
    if as_json:
        _print_json(job)
    else:
        _stderr().print(f"Job {job_id} was cancelled.")


def retry(
    job_id: JobIdArgument,
    wait: Annotated[
        bool, typer.Option("--wait", help="follow the new job to its end, then print the report")
    ] = False,
    as_json: JsonOption = False,
    api: ApiOption = None,
) -> None:
    """Analyse a FAILED or CANCELLED job's video again, as a new job (same type and questions)."""

    with _session(api) as client:
        old = client.job(job_id)
        if old.get("status") not in ("FAILED", "CANCELLED"):
            _die(
                f"job {job_id} is {old.get('status')}: only a FAILED or CANCELLED job is retried",
                EXIT_USAGE,
            )
        if old.get("fileId") is None and old.get("fileName"):
            _die(f"the file of job {job_id} was deleted: upload it again", EXIT_USAGE)
        questions = [
            {"questionId": q["questionId"]} if q.get("questionId") else {"text": q["text"]}
            for q in old.get("questions") or []
        ]
        for given, asked in zip(questions, old.get("questions") or [], strict=True):
            if asked.get("startSeconds") is not None:
                given["startSeconds"] = asked["startSeconds"]
        created = client.analyze(
            analysis_type=str(old["analysisType"]),
            file_id=old.get("fileId"),
            video_url=None if old.get("fileId") else str(old["videoUrl"]),
            questions=questions or None,
        )
        new_id = str(created["jobId"])
        _stderr().print(f"Job {new_id} created ({created.get('status')}), retrying {job_id}.")
        if not wait:
            if as_json:
                _print_json(created)
            else:
                sys.stdout.write(new_id + "\n")
            return
        final = _follow(client, new_id)
        detail = client.detail(new_id)
        _finish(detail, final, as_json)


def delete(
    job_id: JobIdArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="do not ask")] = False,
    api: ApiOption = None,
) -> None:
    """Delete a job and its report (a running one is stopped)."""

    with _session(api) as client:
        if not yes:
            if not sys.stdin.isatty():
                _die("give --yes to delete without being asked", EXIT_USAGE)
            if not typer.confirm(f"Delete job {job_id} and its report?", default=False):
                _die("not deleted", EXIT_USAGE)
        client.delete(job_id)
    _stderr().print(f"Job {job_id} was deleted.")


def _check_video(path: Path) -> str:
    """The file's content type if it is a video the API accepts; else exit with the reason."""
    from interview_jobs.contracts.media import (
        ACCEPTED_DESCRIPTION,
        content_type_for,
        sniff_container,
    )

    if not path.is_file():
        _die(f"{path}: no such file (give a video file or an http(s) URL)", EXIT_USAGE)
    try:
        with path.open("rb") as fh:
            head = fh.read(64)
    except OSError as exc:
        _die(f"{path}: cannot be read ({exc.strerror})", EXIT_USAGE)
    if not head:
        _die(f"{path} is empty", EXIT_USAGE)
    container = sniff_container(head)
    if container is None:
        _die(f"{path} is not {ACCEPTED_DESCRIPTION}", EXIT_USAGE)
    return content_type_for(container, head)


def _upload(client: ApiClient, path: Path, content_type: str) -> dict[str, Any]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    with Progress(
        TextColumn("[bold]upload[/bold] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=_stderr(),
        transient=False,
    ) as progress:
        task = progress.add_task(path.name, total=path.stat().st_size)

        def on_progress(sent: int, total: int) -> None:
            progress.update(task, completed=sent, total=total)

        result = client.upload(path, content_type, on_progress)
        progress.update(task, completed=path.stat().st_size)
    return result


def _follow(client: ApiClient, job_id: str) -> dict[str, Any]:
    """Follow the job's events with a progress bar; returns its last (terminal) state."""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from interview_jobs.client.render import activity

    labels = {"COMPLETED": "completed", "FAILED": "failed", "CANCELLED": "cancelled"}
    last: dict[str, Any] = {}
    with Progress(
        TextColumn("[bold]job[/bold] {task.description:<40}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=_stderr(),
    ) as progress:
        task = progress.add_task("connecting", total=100)
        for state in client.events(job_id):
            last = state
            status = str(state.get("status"))
            done = state.get("progress")
            if status == "COMPLETED":
                done = 100
            progress.update(
                task,
                description=labels.get(status) or activity(state),
                completed=done if isinstance(done, int) else 0,
            )
    return last


def _finish(detail: dict[str, Any], state: dict[str, Any], as_json: bool) -> None:
    """Print the report (or why there is none) and exit with the job's exit code."""
    from interview_jobs.client.render import print_report

    status = str(state.get("status") or detail.get("status"))
    if as_json:
        _print_json(detail)
    if status == "COMPLETED":
        if not as_json:
            print_report(_stdout(), detail)
        return
    err = _stderr()
    job_id = detail.get("jobId")
    if status == "FAILED":
        message = state.get("errorMessage") or detail.get("errorMessage") or "no reason given"
        from rich.markup import escape

        err.print(f"[red]Job {job_id} FAILED:[/red] {escape(str(message))}", soft_wrap=True)
        raise typer.Exit(EXIT_JOB_FAILED)
    if status == "CANCELLED":
        err.print(f"Job {job_id} was CANCELLED.")
        raise typer.Exit(EXIT_JOB_FAILED)
    progress = detail.get("progress")
    err.print(
        f"Job {job_id} is {status}"
        + (f" ({progress}%)" if isinstance(progress, int) else "")
        + "; no report yet."
    )
    raise typer.Exit(EXIT_NOT_READY)
