"""The GitHub Action (action.yml): its inputs are consistent with its steps, and its shell steps,
run here as the runner runs them (bash -eo pipefail, the step's env with the inputs substituted,
GITHUB_PATH / GITHUB_OUTPUT files, RUNNER_TEMP), install dockerlens from the action's own folder,
write a valid SARIF report with the expected findings and fail on findings. The two ``uses:``
steps (setup-python, codeql's upload-sarif) are GitHub's own and are not run: the Python running
the tests stands in for setup-python's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.package_sources import ROOT, copy_sources
from tests.test_reporters import sarif_validator

ACTION = ROOT / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

FIXTURE = """\
FROM debian:bookworm
RUN apt-get update && apt-get install -y curl
RUN echo $HOME > /tmp/home
"""
CLEAN = 'FROM debian:bookworm\nUSER 65534\nCMD ["true"]\n'


def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return document


def _expressions(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield from EXPRESSION.findall(node)
        # `if:` may be written without ${{ }}
    elif isinstance(node, dict):
        for value in node.values():
            yield from _expressions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _expressions(value)


def test_every_input_and_step_the_action_names_exists() -> None:
    document = action()
    assert document["runs"]["using"] == "composite"
    inputs = document["inputs"]
    assert {"paths", "config", "failure-threshold", "format", "extra-args"} <= set(inputs)
    assert {"upload-sarif", "sarif-file"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec.get("description"), name
        assert "default" in spec and spec.get("required") is False, name
    steps = document["runs"]["steps"]
    ids = {step["id"] for step in steps if "id" in step}
    texts = [*_expressions(steps), *_expressions(document["outputs"])]
    texts += [step["if"] for step in steps if "if" in step]
    used_inputs = {name for text in texts for name in re.findall(r"inputs\.([\w-]+)", text)}
    used_steps = {name for text in texts for name in re.findall(r"steps\.([\w-]+)", text)}
    assert used_inputs <= set(inputs), used_inputs - set(inputs)
    assert used_steps <= ids, used_steps - ids
    # Every input does something.
    assert set(inputs) <= used_inputs, set(inputs) - used_inputs
    for step in steps:
        if "run" in step:
            assert step["shell"] == "bash"
            # Inputs reach scripts through env only: ${{ }} inside a script is an injection.
            assert "${{" not in step["run"], step["name"]
        else:
            assert re.fullmatch(r"[\w-]+/[\w/-]+@v\d+", step["uses"]), step["uses"]
    uploads = [step for step in steps if "upload-sarif" in step.get("uses", "")]
    assert len(uploads) == 1 and "inputs.upload-sarif" in uploads[0]["if"]
    assert uploads[0]["with"]["sarif_file"] == "${{ inputs.sarif-file }}"


@dataclass
class Runner:
    """The parts of a GitHub runner the shell steps rely on."""

    action_path: Path
    temp: Path
    path_file: Path
    output_file: Path
    python_bin: Path

    def environment(self, step_env: dict[str, str]) -> dict[str, str]:
        added = [line for line in self.path_file.read_text().splitlines() if line]
        path = os.pathsep.join([*reversed(added), str(self.python_bin), os.environ["PATH"]])
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")},
            **step_env,
            "PATH": path,
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_PATH": str(self.path_file),
            "GITHUB_OUTPUT": str(self.output_file),
            "GITHUB_ACTIONS": "true",
        }

    def substitute(self, text: str, inputs: dict[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            if expression == "github.action_path":
                return str(self.action_path)
            found = re.fullmatch(r"inputs\.([\w-]+)", expression)
            if found is None:
                raise AssertionError(f"the test does not know the expression {expression!r}")
            return inputs[found.group(1)]

        return EXPRESSION.sub(value, text)

    def run_step(
        self, step: dict[str, Any], inputs: dict[str, str], workspace: Path
    ) -> subprocess.CompletedProcess[str]:
        env = {name: self.substitute(str(v), inputs) for name, v in step.get("env", {}).items()}
        script = workspace.parent / "step.sh"
        script.write_text(step["run"])
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )


def _inputs(**given: str) -> dict[str, str]:
    inputs = {name: str(spec["default"]) for name, spec in action()["inputs"].items()}
    inputs.update({name.replace("_", "-"): value for name, value in given.items()})
    return inputs


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = action()["runs"]["steps"]
    return steps


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The install step, run once: dockerlens from a copy of this checkout, as `uses:` gets it."""
    base = tmp_path_factory.mktemp("runner")
    python_bin = base / "setup-python"
    python_bin.mkdir()
    (python_bin / "python").symlink_to(sys.executable)
    runner = Runner(
        copy_sources(base / "action"), base / "temp", base / "path", base / "output", python_bin
    )
    runner.temp.mkdir()
    runner.path_file.touch()
    runner.output_file.touch()
    (install,) = [step for step in _steps() if "pip install" in step.get("run", "")]
    workspace = base / "workspace"
    workspace.mkdir()
    done = runner.run_step(install, _inputs(), workspace)
    if done.returncode != 0:
        message = f"the install step failed (pip needs PyPI or its cache): {done.stderr[-800:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return runner


def _run_action(
    runner: Runner, workspace: Path, **given: str
) -> dict[str, subprocess.CompletedProcess[str]]:
    """The shell steps after the install, in order, as the runner runs them; stops at a failure."""
    runner.output_file.write_text("")
    inputs = _inputs(**given)
    done = {}
    for step in _steps():
        if "run" not in step or "pip install" in step["run"]:
            continue
        done[step.get("id", step["name"])] = result = runner.run_step(step, inputs, workspace)
        if result.returncode != 0:
            break
    return done


def _workspace(tmp_path: Path) -> Path:
    workspace = tmp_path / "repo"
    (workspace / "services" / "api").mkdir(parents=True)
    (workspace / "Dockerfile").write_text(FIXTURE)
    (workspace / "services" / "api" / "Dockerfile").write_text(CLEAN)
    return workspace


def _rule_ids(sarif: dict[str, Any]) -> list[tuple[str, str, int]]:
    return sorted(
        (
            result["ruleId"],
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            result["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for result in sarif["runs"][0]["results"]
    )


def test_the_action_writes_sarif_and_fails_on_findings(runner: Runner, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    done = _run_action(runner, workspace)
    assert done["sarif"].returncode == 0, done["sarif"].stderr
    sarif = json.loads((workspace / "dockerlens.sarif").read_text())
    sarif_validator().validate(sarif)
    assert _rule_ids(sarif) == [
        ("DL3008", "Dockerfile", 2),
        ("DL3009", "Dockerfile", 2),
        ("DL3015", "Dockerfile", 2),
        ("SC2086", "Dockerfile", 3),
    ]
    assert "sarif-file=dockerlens.sarif" in runner.output_file.read_text().splitlines()
    lint = done["Lint"]
    assert lint.returncode == 1, lint.stderr
    annotations = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 4
    assert any(line.startswith("::warning file=Dockerfile,line=2") for line in annotations)


def test_the_inputs_reach_dockerlens(runner: Runner, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "lint.toml").write_text('[lint]\nignore = ["DL3015"]\n')
    done = _run_action(
        runner,
        workspace,
        paths="Dockerfile\n  services/api/Dockerfile",
        config="lint.toml",
        extra_args="--ignore SC2086 --statistics",
        failure_threshold="error",
        format="json",
        sarif_file="out/report.sarif",
    )
    assert done["sarif"].returncode == 0, done["sarif"].stderr
    sarif = json.loads((workspace / "out" / "report.sarif").read_text())
    assert [rule for rule, _, _ in _rule_ids(sarif)] == ["DL3008", "DL3009"]
    assert "sarif-file=out/report.sarif" in runner.output_file.read_text().splitlines()
    lint = done["Lint"]
    # Findings below the failure threshold: reported, and the step passes.
    assert lint.returncode == 0, lint.stderr
    reported = json.loads(lint.stdout[: lint.stdout.rindex("]") + 1])
    assert sorted(finding["code"] for finding in reported) == ["DL3008", "DL3009"]


def test_a_bad_input_fails_the_step_with_one_line(runner: Runner, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    done = _run_action(runner, workspace, paths="missing/Dockerfile")
    assert done["sarif"].returncode == 2
    assert done["sarif"].stderr.startswith("dockerlens: error: ")
    assert "Lint" not in done
    assert not (workspace / "dockerlens.sarif").exists()
