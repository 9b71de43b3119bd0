"""`assembler site`: the portfolio as a static site, opened in headless Chromium, read from the live DOM."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from assembler.deals.layout import Workspace

from .conftest import (
    GIT_ENV,
    REPO,
    copy_workspace,
    files_under,
    git,
    run_cli,
    set_deal,
    sign_acme,
    sign_examples_as_their_signers,
)

TODAY = "2026-11-25"
HOSTILE = "<script>window.__injected = 1</script> Smith & \"Sons\" 'Ltd'"
ARTIFACTS = REPO / "test-artifacts"  # git-ignored; CI uploads it


def _portfolio(root: Path) -> Workspace:
    """The example deals committed, plus: brightpath with two rounds (a redline) and its return triaged, acme
    executed, a deal whose deal.yaml is broken, and a partner whose name is markup."""
    ws = copy_workspace(root)
    shutil.copy(REPO / ".gitignore", ws.root / ".gitignore")
    shutil.copy(REPO / ".gitattributes", ws.root / ".gitattributes")
    shutil.copytree(ws.deal_dir("glimmer"), ws.deal_dir("hostile"))
    set_deal(ws, "hostile", {"partner.name": HOSTILE, "mutual_interest_date": dt.date(2026, 11, 20)})
    broken = ws.deal_dir("broken")
    broken.mkdir()
    broken.joinpath("deal.yaml").write_text("partner: {name: Broken Co}\nmodel: franchise\n")
    git(ws, "init", "-q", "-b", "main")
    git(ws, "add", "-A")
    git(ws, "commit", "-q", "-m", "Clause library and deals")
    sign_examples_as_their_signers(ws)  # the deals' sign-offs, proven by their givers' commits
    assert run_cli(ws, "build", "brightpath").exit_code == 0
    set_deal(ws, "brightpath", {"terms.referral_fee_pct": Decimal("11")})
    second = run_cli(ws, "build", "brightpath")
    assert second.exit_code == 0, second.stderr
    returned = root.parent / "brightpath-returned.docx"  # the partner sends round 2 back unchanged
    shutil.copy(ws.deal_dir("brightpath") / "referral-agreement.docx", returned)
    ingested = run_cli(ws, "ingest", "brightpath", str(returned), "--from", "BrightPath Legal")
    assert ingested.exit_code == 0, ingested.stderr
    sign_acme(ws)
    return ws


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("git-home")
        patch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
        for key, value in GIT_ENV.items():
            patch.setenv(key, value)
        yield _portfolio(tmp_path_factory.mktemp("portfolio") / "ws")


@pytest.fixture(scope="module")
def site(portfolio: Workspace) -> Path:
    result = run_cli(portfolio, "site", "--today", TODAY)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "Wrote site/index.html: 9 deal(s)\n"
    assert result.stderr == "warning: broken: deal.yaml does not load; the site shows its errors\n"
    return portfolio.root / "site"


def _browser(profile: Path, javascript: bool = True):  # type: ignore[no-untyped-def]
    """Debian's chromium through its chromedriver; nothing downloaded, nothing shared between runs."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail("chromium and chromium-driver are not installed; .ci/run installs them")
        pytest.skip(
            "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1500,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


def _screenshot(browser, name: str) -> None:  # type: ignore[no-untyped-def]
    """The whole page as a PNG in test-artifacts/ (CI keeps it)."""
    ARTIFACTS.mkdir(exist_ok=True)
    browser.set_window_size(1500, browser.execute_script("return document.body.scrollHeight") + 40)
    browser.save_screenshot(str(ARTIFACTS / name))


def _requested(browser) -> list[str]:  # type: ignore[no-untyped-def]
    """Every URL our pages asked for since the last call (Chrome's network log, less the browser's own
    chrome:// pages), and every URL their elements point at."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            if params.get("documentURL", "").startswith("file:"):
                urls.append(params["request"]["url"])
    urls += browser.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href]'), e => e.src || e.href)"
        ".map(u => typeof u === 'string' ? u : u.baseVal)"
    )
    return urls


def _inside(url: str, site: Path) -> bool:
    parsed = urlparse(url)
    if parsed.scheme == "data":
        return True
    return parsed.scheme == "file" and Path(unquote(parsed.path)).resolve().is_relative_to(site.resolve())


def test_the_index_in_chromium_shows_every_deal_its_timeline_and_filters(
    site: Path, portfolio: Workspace, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser = _browser(tmp_path / "profile")
    try:
        browser.get((site / "index.html").as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#deals tbody tr.deal")
        assert sorted(r.get_attribute("data-deal") for r in rows) == portfolio.deal_ids()
        _screenshot(browser, "site-index.png")

        # One timeline with a today marker per deal that loads; the broken deal is an error row.
        by_id = {r.get_attribute("data-deal"): r for r in rows}
        for deal_id, row in by_id.items():
            markers = row.find_elements(By.CSS_SELECTOR, "svg.timeline .today-marker line")
            assert len(markers) == (0 if deal_id == "broken" else 1), deal_id
        broken = by_id["broken"]
        assert "is-error" in broken.get_attribute("class").split()
        assert "agreements/broken/deal.yaml: model: Input should be" in broken.text
        assert "This deal file does not load" in broken.text

        # The hostile partner name is text: shown verbatim, never run.
        hostile = by_id["hostile"].find_element(By.CSS_SELECTOR, "td.partner a")
        assert hostile.text == HOSTILE
        assert browser.execute_script("return window.__injected") is None
        assert len(browser.find_elements(By.TAG_NAME, "script")) == 1  # the page's own sorting script

        # States: acme is executed, the newest deal on track, the rest late (brightpath's redlines_returned
        # and negotiation_call milestones have no evidence in git, so they are overdue).
        assert by_id["acme"].get_attribute("data-state") == "executed"
        assert by_id["hostile"].get_attribute("data-state") == "on-track"
        late = {d for d, r in by_id.items() if "is-late" in r.get_attribute("class").split()}
        assert late == {"brightpath", "corvid", "deltaforge", "emberline", "fjordlabs", "glimmer"}

        # This week: what falls due in seven days, and a signed deal's overdue checklist as one line.
        week = [li.text for li in browser.find_elements(By.CSS_SELECTOR, ".this-week li")]
        assert any(
            t.startswith("2026-11-22 Acme Cloud Partners, Inc. — ") and "post-signature checklist" in t
            for t in week
        ), week
        assert any(t.startswith("2026-12-01 BrightPath Advisory LLP — Final draft circulated") for t in week)

        # Filtering to "late" shows only the late deals (CSS radio buttons: no script needed).
        browser.find_element(By.CSS_SELECTOR, "label[for=show-late]").click()
        shown = {r.get_attribute("data-deal") for r in rows if r.is_displayed()}
        assert shown == late
        browser.find_element(By.CSS_SELECTOR, "label[for=show-executed]").click()
        assert {r.get_attribute("data-deal") for r in rows if r.is_displayed()} == {"acme"}
        browser.find_element(By.CSS_SELECTOR, "label[for=show-all]").click()
        assert all(r.is_displayed() for r in rows)

        # Sorting by clock puts the longest-running deal first after two clicks (descending).
        heading = browser.find_element(By.CSS_SELECTOR, "th[data-sort=day]")
        heading.click()
        heading.click()
        first = browser.find_element(By.CSS_SELECTOR, "#deals tbody tr")
        assert first.get_attribute("data-deal") == "fjordlabs"
        requests = _requested(browser)
        assert requests and all(_inside(url, site) for url in requests), requests

        # Each deal's link opens its page; each page's redline and file links point at files in the site.
        links = {
            r.get_attribute("data-deal"): r.find_element(By.CSS_SELECTOR, "td.partner a").get_attribute(
                "href"
            )
            for r in rows
            if r.get_attribute("data-deal") != "broken"
        }
        for deal_id, href in sorted(links.items()):
            browser.get(href)
            assert browser.find_element(By.TAG_NAME, "h1").text == (
                HOSTILE if deal_id == "hostile" else portfolio_partner(portfolio, deal_id)
            )
            assert browser.find_elements(By.CSS_SELECTOR, "svg.timeline.big .today-marker")
            for link in browser.find_elements(By.CSS_SELECTOR, "a.redline, a.triage, a.file"):
                target = Path(unquote(urlparse(link.get_attribute("href")).path))
                assert target.is_file() and target.resolve().is_relative_to(site.resolve()), target
            if deal_id == "brightpath":
                redline = browser.find_element(By.CSS_SELECTOR, "a.redline")
                assert redline.get_attribute("href").endswith(
                    "deals/brightpath/files/redlines/referral-agreement.r1-r2.docx"
                )
                triage = browser.find_elements(By.CSS_SELECTOR, "table.rounds a.triage")
                assert [a.get_attribute("href").rsplit("/", 1)[1] for a in triage] == [
                    "referral-agreement.r2-counterparty.docx",
                    "referral-agreement.r2-counterparty.md",
                ]
                browser.set_window_size(
                    1500, browser.execute_script("return document.body.scrollHeight") + 40
                )
                browser.save_screenshot(str(ARTIFACTS / "site-deal-brightpath.png"))
            if deal_id == "acme":
                kinds = [
                    r.get_attribute("data-kind")
                    for r in browser.find_elements(By.CSS_SELECTOR, "table.obligations tbody tr")
                ]
                assert {"renewal-notice", "term-end", "first-qbr", "post-signature"} <= set(kinds)
                browser.set_window_size(
                    1500, browser.execute_script("return document.body.scrollHeight") + 40
                )
                browser.save_screenshot(str(ARTIFACTS / "site-deal-acme.png"))
            requests = _requested(browser)
            assert requests and all(_inside(url, site) for url in requests), requests
    finally:
        browser.quit()


def test_the_index_reads_and_filters_with_javascript_off(site: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser = _browser(tmp_path / "profile", javascript=False)
    try:
        browser.get((site / "index.html").as_uri())
        rows = browser.find_elements(By.CSS_SELECTOR, "#deals tbody tr.deal")
        assert len(rows) == 9 and all(r.is_displayed() for r in rows)
        # The page's script did not run (no sortable headings), yet the filter cards work: they are CSS.
        assert not browser.find_elements(By.CSS_SELECTOR, "th.sortable")
        browser.find_element(By.CSS_SELECTOR, "label[for=show-error]").click()
        assert [r.get_attribute("data-deal") for r in rows if r.is_displayed()] == ["broken"]
    finally:
        browser.quit()


def portfolio_partner(ws: Workspace, deal_id: str) -> str:
    from assembler.deals.contract import load_deal

    return load_deal(ws.deal_file(deal_id), deal_id).partner.name


def test_the_site_is_the_same_bytes_for_the_same_repository_and_day(site: Path, portfolio: Workspace) -> None:
    again = portfolio.root / "site-again"
    assert run_cli(portfolio, "site", "--out", str(again), "--today", TODAY).exit_code == 0
    assert files_under(again) == files_under(site)
    shutil.rmtree(again)


def test_the_site_copies_redlines_and_nothing_outside_the_deal_folder(site: Path) -> None:
    files = files_under(site)
    assert "deals/brightpath/files/redlines/referral-agreement.r1-r2.docx" in files
    assert "deals/acme/files/executed/co-sell-agreement.execution.json" in files
    assert "deals/broken/index.html" not in files
    index = files["index.html"].decode()
    # The markup in the partner name is escaped in the HTML source itself, attributes included.
    assert "<script>window.__injected" not in index
    assert (
        "&lt;script&gt;window.__injected = 1&lt;/script&gt; Smith &amp; &#34;Sons&#34; &#39;Ltd&#39;" in index
    )
    assert "http://" not in index and "https://" not in index


def test_a_folder_the_site_did_not_build_is_never_replaced(workspace: Workspace, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = run_cli(workspace, "site", "--out", str(mine), "--today", TODAY)
    assert result.exit_code == 2  # bad usage
    assert result.stderr == (
        f"Error: {mine} exists and is not a site this tool built (no .assembler-site in it); "
        "choose another --out or remove it\n"
    )
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_symlinked_redline_is_not_published(workspace: Workspace, tmp_path: Path) -> None:
    secret = tmp_path / "secret.docx"
    secret.write_bytes(b"not for the site")
    redlines = workspace.deal_dir("acme") / "redlines"
    redlines.mkdir()
    (redlines / "co-sell-agreement.r1-r2.docx").symlink_to(secret)
    (redlines / "co-sell-agreement.r2-r3.md").write_text("# summary\n")
    out = tmp_path / "out"
    assert run_cli(workspace, "site", "--out", str(out), "--today", TODAY).exit_code == 0
    published = sorted(p for p in files_under(out) if p.startswith("deals/acme/files/"))
    assert published == ["deals/acme/files/redlines/co-sell-agreement.r2-r3.md"]
