"""The command line: scaffolding deals, schemas kept in step with the models, help for every command."""

from __future__ import annotations

import json

from assembler.deals.layout import Workspace
from assembler.library.json_schemas import schema_texts

from .conftest import REPO, files_under, run_cli


def test_new_scaffolds_a_valid_commented_deal_for_every_model(workspace: Workspace) -> None:
    for model in (
        "referral",
        "co-sell",
        "reseller",
        "implementation",
        "oem",
        "joint-venture",
        "technology-alliance",
    ):
        deal_id = f"new-{model}"
        result = run_cli(
            workspace,
            "new",
            deal_id,
            "--partner",
            "Globex & <Co>",
            "--model",
            model,
            "--mutual-interest-date",
            "2026-11-02",
        )
        assert result.exit_code == 0, result.stderr
        assert result.stdout == f"Created agreements/{deal_id}/deal.yaml\n"
        text = workspace.deal_file(deal_id).read_text()
        assert text.startswith(f"# Deal {deal_id}: ")
        assert "# The 60-day clock starts here" in text
        assert run_cli(workspace, "validate", deal_id).exit_code == 0
        assert run_cli(workspace, "build", deal_id, "--no-commit").exit_code == 0


def test_new_refuses_to_overwrite(workspace: Workspace) -> None:
    before = files_under(workspace.root)
    result = run_cli(workspace, "new", "acme", "--partner", "Other", "--model", "referral")
    assert result.exit_code == 1
    assert (
        result.stderr
        == "Error: agreements/acme/deal.yaml: already exists; edit it, or choose another deal id\n"
    )
    assert files_under(workspace.root) == before


def test_new_refuses_unknown_model_and_bad_names(workspace: Workspace) -> None:
    result = run_cli(workspace, "new", "globex", "--partner", "Globex", "--model", "franchise")
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: --model 'franchise': unknown model; use one of: referral, co-sell"
    )
    result = run_cli(workspace, "new", "globex", "--partner", "Glo\x07bex", "--model", "referral")
    assert result.exit_code == 1
    assert "partner.name: contains the control character U+0007" in result.stderr
    assert not workspace.deal_dir("globex").exists()


def test_committed_schemas_are_up_to_date() -> None:
    for name, text in schema_texts().items():
        committed = (REPO / "schemas" / name).read_text()
        assert committed == text, f"schemas/{name} is stale: run `make schema`"
        json.loads(committed)


def test_every_command_has_help(workspace: Workspace) -> None:
    commands = ["new", "validate", "build", "redline", "history", "textconv", "check", "status", "ingest"]
    commands += ["sign", "verify", "library", "schema", "house-style"]
    from assembler.cli import cli

    assert sorted(cli.commands) == sorted(commands)  # every command is listed here and documented below
    readme = (REPO / "README.md").read_text()
    for command in commands:
        assert f"assembler {command}" in readme, f"README does not document `assembler {command}`"
        result = run_cli(workspace, command, "--help")
        assert result.exit_code == 0
        assert result.stdout.startswith(f"Usage: cli {command}") or "Usage:" in result.stdout


def test_no_workspace_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from assembler.cli import cli

    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path), "validate", "acme"])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: no workspace found from {tmp_path.resolve()} upward")
