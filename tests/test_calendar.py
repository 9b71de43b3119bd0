"""Obligations after signature and `assembler calendar`: an RFC 5545 file with stable UIDs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import icalendar
import pytest

from assembler.deals.contract import load_deal
from assembler.deals.layout import Workspace
from assembler.signature.obligations import add_months, obligations_for

from .conftest import run_cli, sign_acme


def events(data: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_the_calendar_holds_the_renewal_notice_deadline_of_an_executed_deal(
    repo_workspace: Workspace, tmp_path: Path
) -> None:
    ws = repo_workspace
    sign_acme(ws)  # acme: signed 2026-11-20; 12-month term, 60 days' notice of non-renewal
    out = tmp_path / "deals.ics"
    result = run_cli(ws, "calendar", "acme", "--out", str(out), "--today", "2026-11-25")
    assert result.exit_code == 0, result.stderr
    found = events(out.read_bytes())
    notice = found["acme.obligation.renewal-notice@assembler.deals"]
    assert notice.decoded("DTSTART") == dt.date(2027, 9, 21)  # 2027-11-20 minus 60 days
    assert notice.decoded("DTEND") == dt.date(2027, 9, 22)
    assert str(notice["SUMMARY"]) == "Acme Cloud Partners, Inc.: Renewal notice deadline"
    assert found["acme.obligation.term-end@assembler.deals"].decoded("DTSTART") == dt.date(2027, 11, 20)
    assert found["acme.obligation.first-qbr@assembler.deals"].decoded("DTSTART") == dt.date(2027, 2, 18)
    post = [u for u in found if u.startswith("acme.obligation.post-signature.")]
    assert post and all(found[u].decoded("DTSTART") == dt.date(2026, 11, 22) for u in post)
    assert found["acme.milestone.draft_sent@assembler.deals"].decoded("DTSTART") == dt.date(2026, 10, 15)
    assert result.stdout == f"Wrote {out}: {len(found)} event(s)\n"

    # Re-running gives the same UIDs (and, on the same day, the same bytes); another day, the same UIDs.
    again = run_cli(ws, "calendar", "acme", "--today", "2026-11-25")
    assert again.stdout.replace("\n", "\r\n").encode() == out.read_bytes()  # the runner drops the CRs
    later = run_cli(ws, "calendar", "acme", "--today", "2026-12-20")
    assert set(events(later.stdout.encode())) == set(found)

    # `status` lists the executed deal's next obligation.
    result = run_cli(ws, "status", "--today", "2026-11-25")
    assert result.exit_code == 0, result.stderr
    listed = result.stdout.split("Obligations of executed deals")[1]
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in listed.splitlines() if "│" in line]
    assert ["acme", "2027-09-21", "Renewal notice deadline", "upcoming"] in rows
    assert ["acme", "2027-02-18", "First quarterly business review", "upcoming"] in rows
    assert {r[0] for r in rows[1:] if r[0]} == {"acme"}  # executed deals only


def test_every_deal_calendar_skips_a_broken_deal_and_says_so(workspace: Workspace) -> None:
    broken = workspace.deal_dir("broken")
    broken.mkdir()
    (broken / "deal.yaml").write_text("model: franchise\n")
    result = run_cli(workspace, "calendar", "--today", "2026-11-25")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: broken skipped: agreements/broken/deal.yaml: ")
    found = events(result.stdout.encode())
    assert {u.split(".")[0] for u in found} == set(workspace.deal_ids()) - {"broken"}
    assert "glimmer.milestone.preliminary_signed@assembler.deals" not in found  # n/a: no preliminary document


def test_a_single_broken_deal_is_an_error(workspace: Workspace) -> None:
    broken = workspace.deal_dir("broken")
    broken.mkdir()
    (broken / "deal.yaml").write_text("model: franchise\n")
    result = run_cli(workspace, "calendar", "broken", "--today", "2026-11-25")
    assert result.exit_code == 2  # bad input
    assert result.stderr.startswith("Error: agreements/broken/deal.yaml: ")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2026, 11, 20), 12, dt.date(2027, 11, 20)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2026, 12, 15), 1, dt.date(2027, 1, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(
    day: dt.date, months: int, expected: dt.date
) -> None:
    assert add_months(day, months) == expected


def test_reseller_minimums_and_exclusivity_become_obligations(workspace: Workspace) -> None:
    deal = load_deal(workspace.deal_file("corvid"), "corvid")
    terms = deal.terms.model_copy(
        update={
            "term_months": 24,
            "exclusivity": "vertical",
            "exclusivity_months": 18,
            "exclusivity_scope": "Nordics",
        }
    )
    deal = deal.model_copy(update={"terms": terms, "effective_date": dt.date(2027, 1, 1)})
    found = {o.id: o for o in obligations_for(deal, dt.date(2026, 12, 20), [], 90)}
    assert found["minimum-commitment.year-1"].due == dt.date(2027, 12, 31)
    assert found["minimum-commitment.year-2"].due == dt.date(2028, 12, 31)
    assert deal.terms.reseller is not None
    amount = deal.terms.reseller.minimum_annual_commitment
    assert isinstance(amount, Decimal)
    assert found["minimum-commitment.year-1"].detail.startswith(f"{deal.terms.currency} ")
    assert found["exclusivity-end"].due == dt.date(2028, 7, 1)
    assert "Nordics" in found["exclusivity-end"].detail
    assert found["term-end"].due == dt.date(2029, 1, 1)
    assert found["first-qbr"].due == dt.date(2027, 3, 20)  # 90 days after signature, not the effective date
    assert found["renewal-notice"].due == dt.date(2029, 1, 1) - dt.timedelta(
        days=deal.terms.renewal_notice_days
    )
