"""The command line: scaffolding deals, schemas kept in step with the models, help for every command."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from assembler.cli import cli
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
        assert "# The clock starts here" in text
        assert run_cli(workspace, "validate", deal_id).exit_code == 0
        assert run_cli(workspace, "build", deal_id, "--no-commit").exit_code == 0


def test_new_refuses_to_overwrite(workspace: Workspace) -> None:
    before = files_under(workspace.root)
    result = run_cli(workspace, "new", "acme", "--partner", "Other", "--model", "referral")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "Error: agreements/acme/deal.yaml: already exists; edit it, or choose another deal id\n"
    )
    assert files_under(workspace.root) == before


def test_new_refuses_unknown_model_and_bad_names(workspace: Workspace) -> None:
    result = run_cli(workspace, "new", "globex", "--partner", "Globex", "--model", "franchise")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: --model 'franchise': unknown model; use one of: referral, co-sell"
    )
    result = run_cli(workspace, "new", "globex", "--partner", "Glo\x07bex", "--model", "referral")
    assert result.exit_code == 2
    assert "partner.name: contains the control character U+0007" in result.stderr
    assert not workspace.deal_dir("globex").exists()


def test_committed_schemas_are_up_to_date() -> None:
    for name, text in schema_texts().items():
        committed = (REPO / "schemas" / name).read_text()
        assert committed == text, f"schemas/{name} is stale: run `make schema`"
        json.loads(committed)


def command_table(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command and group under `group` (e.g. ("library", "lint")), from the CLI itself."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths += command_table(command, (*prefix, name))
    return paths


COMMANDS = command_table(cli)


def command_at(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def test_the_command_table_has_the_subcommands() -> None:
    assert ("library", "lint") in COMMANDS and ("library", "impact") in COMMANDS
    assert ("build",) in COMMANDS and len(COMMANDS) == len(set(COMMANDS))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_meaningful_help(path: tuple[str, ...]) -> None:
    command = command_at(path)
    name = " ".join(path)
    summary = command.get_short_help_str(limit=1000)
    assert command.help, f"`assembler {name}` has no docstring"
    assert len(summary.split()) >= 4 and summary.endswith("."), f"`assembler {name}`: {summary!r}"
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="assembler", catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: assembler {name} ")
    assert "".join(summary.split()) in "".join(result.output.split())  # (help wraps lines at hyphens)
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help and param.help.strip(), f"`assembler {name}` {param.opts[0]} has no help"
            assert param.opts[-1] in result.output
    if isinstance(command, click.Group):
        for sub in command.commands:
            assert f"  {sub} " in result.output, f"`assembler {name} --help` does not list {sub}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_the_readme_lists_every_command(path: tuple[str, ...]) -> None:
    readme = (REPO / "README.md").read_text()
    assert f"assembler {' '.join(path)}" in readme, f"README does not document `assembler {' '.join(path)}`"


def test_no_workspace_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--workspace", str(tmp_path), "validate", "acme"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: no workspace found from {tmp_path.resolve()} upward")
