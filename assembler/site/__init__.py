"""`site`: the portfolio as a static web site: an index of every deal with its clock, one page per deal.

Stages: gather each deal (the same state `status`, `check` and `history` build) → render the pages (Jinja,
autoescaped: deal data is text, never markup) → copy the deal's redlines and reports → swap the finished
folder into place. The site is self-contained: inline CSS and SVG, a few lines of JavaScript to sort, no
request outside its folder, readable with JavaScript off. Same repository state and day → same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from assembler.deals.layout import Workspace
from assembler.errors import WorkspaceError
from assembler.playbook.negotiation import today_from
from assembler.site.portfolio import BrokenDeal, DealView, gather, shown

MARKER = ".assembler-site"  # written into every site folder: only such a folder is ever replaced


@dataclass(frozen=True)
class SiteResult:
    """Where the site was written, how many deals it shows, and which of them are error rows."""

    out: Path
    deals: int
    broken: list[str]


def environment() -> Environment:
    """The site's Jinja environment: every `{{ }}` is HTML-escaped."""
    env = Environment(
        loader=PackageLoader("assembler.site", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.do"],
    )
    env.globals["shown"] = shown
    return env


def render_site(workspace: Workspace, today: dt.date) -> tuple[dict[str, bytes], list[DealView | BrokenDeal]]:
    """Every file of the site (relative path → bytes) and the deals it shows."""
    entries = gather(workspace, today)
    env = environment()
    deals = [e for e in entries if isinstance(e, DealView)]
    counts = {
        flag: sum(1 for e in entries if flag in e.flags)
        for flag in ("late", "blocked", "executed", "on-track", "error")
    }
    context = {
        "today": today,
        "week_span": dt.timedelta(days=7),
        "entries": entries,
        "counts": counts,
        "total": len(entries),
    }
    files = {
        "index.html": env.get_template("index.html.j2").render(**context, root="").encode("utf-8"),
        MARKER: b"Built by `assembler site`; this folder is replaced on every build.\n",
    }
    for deal in deals:
        page = env.get_template("deal.html.j2").render(deal=deal, today=today, root="../../")
        files[f"deals/{deal.deal_id}/index.html"] = page.encode("utf-8")
        for item in deal.files:
            files[f"deals/{deal.deal_id}/{item.href}"] = item.source.read_bytes()
    return files, entries


def build_site(workspace: Workspace, out: Path | None = None, today: dt.date | None = None) -> SiteResult:
    """Write the site to `out` (default: site/ in the workspace), replacing an earlier build whole."""
    day = today_from(today)
    out = (out or workspace.root / "site").absolute()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise WorkspaceError(
            f"{out} exists and is not a site this tool built (no {MARKER} in it); "
            "choose another --out or remove it"
        )
    files, entries = render_site(workspace, day)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        for relative, data in sorted(files.items()):
            path = staging / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            os.chmod(path, 0o644)
        os.chmod(staging, 0o755)
        # Swap: the old site stays whole until the new one is complete.
        retired = out.with_name(f".{out.name}.old")
        if retired.exists():
            shutil.rmtree(retired)
        if out.exists():
            out.rename(retired)
        staging.rename(out)
        if retired.exists():
            shutil.rmtree(retired)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    broken = [e.deal_id for e in entries if isinstance(e, BrokenDeal)]
    return SiteResult(out, len(entries), broken)


__all__ = ["BrokenDeal", "DealView", "SiteResult", "build_site", "render_site"]
