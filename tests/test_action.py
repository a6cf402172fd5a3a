"""The GitHub Action (action.yml), run here as a runner runs a composite action: each step
whose `if:` holds (the expressions evaluated), a shell step as bash -eo pipefail with its env's
inputs substituted, GITHUB_PATH / GITHUB_OUTPUT files and RUNNER_TEMP, in a scratch repository.
It installs dockerlens from the action's own folder, writes a valid SARIF 2.1.0 report with the
expected findings, hands that file to codeql's upload-sarif, and fails as failure-threshold says.
The two ``uses:`` steps (setup-python, upload-sarif) are GitHub's own: their `if:` and `with:` are
evaluated but they are not run; the Python running the tests stands in for setup-python's.
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
UPLOAD = "github/codeql-action/upload-sarif@v3"
UPLOAD_STEP = "Upload the SARIF report"


def action() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return document


def _expressions(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield from EXPRESSION.findall(node)
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
    texts += [step["if"] for step in steps if "if" in step]  # `if:` may go without ${{ }}
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
    assert [step["uses"] for step in uploads] == [UPLOAD]


_TOKEN = re.compile(r"\s*(&&|\|\||==|!=|!|\(|\)|'(?:[^']|'')*'|[A-Za-z_][\w.-]*)")
_STATUS_FUNCTIONS = ("always", "success", "failure", "cancelled")
_LITERALS = {"true": True, "false": False, "null": None}


class Expression:
    """The part of GitHub's expression language action.yml uses: contexts (inputs, github,
    steps), string and boolean literals, ==, !=, !, &&, ||, parentheses and the status
    functions. Anything else fails the test rather than being guessed."""

    def __init__(self, text: str, context: dict[str, Any], job_failed: bool) -> None:
        self.tokens: list[str] = []
        position = 0
        text = text.strip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if match is None:
                raise AssertionError(f"the test cannot read the expression {text!r}")
            self.tokens.append(match.group(1))
            position = match.end()
        self.context = context
        self.job_failed = job_failed

    def evaluate(self) -> Any:
        value = self._or()
        assert not self.tokens, f"left over in the expression: {self.tokens}"
        return value

    def _take(self, *expected: str) -> str | None:
        if self.tokens and self.tokens[0] in expected:
            return self.tokens.pop(0)
        return None

    def _or(self) -> Any:
        value = self._and()
        while self._take("||"):
            right = self._and()
            value = value or right
        return value

    def _and(self) -> Any:
        value = self._not()
        while self._take("&&"):
            right = self._not()
            value = value and right
        return value

    def _not(self) -> Any:
        if self._take("!"):
            return not self._not()
        left = self._primary()
        operator = self._take("==", "!=")
        if operator is None:
            return left
        right = self._primary()
        # GitHub compares strings case-insensitively.
        equal = str(left).lower() == str(right).lower()
        return equal if operator == "==" else not equal

    def _primary(self) -> Any:
        token = self.tokens.pop(0)
        if token == "(":
            value = self._or()
            assert self._take(")"), "unbalanced parentheses"
            return value
        if token.startswith("'"):
            return token[1:-1].replace("''", "'")
        if token in _LITERALS:
            return _LITERALS[token]
        if token in _STATUS_FUNCTIONS:
            assert self._take("(") and self._take(")"), f"{token} takes no arguments here"
            return {
                "always": True,
                "success": not self.job_failed,
                "failure": self.job_failed,
                "cancelled": False,
            }[token]
        value: Any = self.context
        parts = token.split(".")
        for number, part in enumerate(parts):
            if parts[number - 1 : number] == ["outputs"] and isinstance(value, dict):
                return value.get(part, "")  # an output a step did not set is empty
            assert isinstance(value, dict) and part in value, f"unknown context {token!r}"
            value = value[part]
        return value


@dataclass
class Runner:
    """The parts of a GitHub runner the action relies on: it runs each step whose `if:` holds,
    a `run:` step as bash -eo pipefail with its env's expressions substituted, PATH extended by
    GITHUB_PATH, a fresh GITHUB_OUTPUT file per step whose lines become the step's outputs."""

    action_path: Path
    temp: Path
    path_file: Path
    python_bin: Path

    def environment(self, step_env: dict[str, str], output_file: Path) -> dict[str, str]:
        added = [line for line in self.path_file.read_text().splitlines() if line]
        path = os.pathsep.join([*reversed(added), str(self.python_bin), os.environ["PATH"]])
        return {
            **{k: v for k, v in os.environ.items() if not k.startswith("VIRTUAL_ENV")},
            **step_env,
            "PATH": path,
            "RUNNER_TEMP": str(self.temp),
            "GITHUB_PATH": str(self.path_file),
            "GITHUB_OUTPUT": str(output_file),
            "GITHUB_ACTIONS": "true",
        }

    def context(self, inputs: dict[str, str], steps: dict[str, Any]) -> dict[str, Any]:
        return {"inputs": inputs, "github": {"action_path": str(self.action_path)}, "steps": steps}

    def substitute(self, text: str, context: dict[str, Any]) -> str:
        def value(match: re.Match[str]) -> str:
            result = Expression(match.group(1), context, job_failed=False).evaluate()
            return str(result)

        return EXPRESSION.sub(value, text)

    def run_step(
        self, step: dict[str, Any], context: dict[str, Any], workspace: Path
    ) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
        env = {name: self.substitute(str(v), context) for name, v in step.get("env", {}).items()}
        script = workspace.parent / "step.sh"
        script.write_text(step["run"])
        output_file = workspace.parent / "step-output"
        output_file.write_text("")
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=self.environment(env, output_file),
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        outputs = {}
        for line in output_file.read_text().splitlines():
            name, separator, text = line.partition("=")
            assert separator and "<<" not in name, f"an output line the test cannot read: {line}"
            outputs[name] = text
        return done, outputs


def _inputs(**given: str) -> dict[str, str]:
    inputs = {name: str(spec["default"]) for name, spec in action()["inputs"].items()}
    for name, value in given.items():
        name = name.replace("_", "-")
        assert name in inputs, f"the action has no input {name}"
        inputs[name] = value
    return inputs


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = action()["runs"]["steps"]
    return steps


def _is_install(step: dict[str, Any]) -> bool:
    return "pip install" in step.get("run", "")


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The install step, run once: dockerlens from a copy of this checkout, as `uses:` gets it."""
    base = tmp_path_factory.mktemp("runner")
    python_bin = base / "setup-python"
    python_bin.mkdir()
    (python_bin / "python").symlink_to(sys.executable)
    runner = Runner(copy_sources(base / "action"), base / "temp", base / "path", python_bin)
    runner.temp.mkdir()
    runner.path_file.touch()
    (install,) = [step for step in _steps() if _is_install(step)]
    workspace = base / "workspace"
    workspace.mkdir()
    done, _ = runner.run_step(install, runner.context(_inputs(), {}), workspace)
    if done.returncode != 0:
        message = f"the install step failed (pip needs PyPI or its cache): {done.stderr[-800:]}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    # The venv's bin, from GITHUB_PATH, comes first: the steps run the dockerlens installed here.
    (added,) = runner.path_file.read_text().split()
    assert (Path(added) / "dockerlens").is_file()
    return runner


def _condition(step: dict[str, Any]) -> str:
    """A step's `if:` as the runner reads it: ${{ }} optional, and success() && ... unless it
    calls a status function itself."""
    condition = str(step.get("if", "success()")).strip()
    whole = EXPRESSION.fullmatch(condition)
    if whole is not None:
        condition = whole.group(1)
    if not any(f"{name}(" in condition for name in _STATUS_FUNCTIONS):
        condition = f"success() && ({condition})"
    return condition


@dataclass
class Run:
    """What the runner did with each step after the install, by id (or name)."""

    shell: dict[str, subprocess.CompletedProcess[str]]
    #: The `uses:` steps that would run (setup-python, the upload), with their `with:` resolved.
    uses: dict[str, dict[str, str]]
    skipped: list[str]
    outputs: dict[str, str]


def _run_action(runner: Runner, workspace: Path, **given: str) -> Run:
    """The steps after the install, in order, as the runner runs a composite action's steps."""
    inputs = _inputs(**given)
    steps: dict[str, Any] = {}
    run = Run({}, {}, [], {})
    failed = False
    for step in _steps():
        key = step.get("id", step["name"])
        context = runner.context(inputs, steps)
        if not Expression(_condition(step), context, failed).evaluate():
            run.skipped.append(key)
            steps[key] = {"outcome": "skipped", "conclusion": "skipped", "outputs": {}}
            continue
        outputs: dict[str, str] = {}
        if "uses" in step:
            with_ = {name: runner.substitute(str(v), context) for name, v in step["with"].items()}
            run.uses[step["uses"]] = with_
            outcome = "success"
        elif _is_install(step):
            outcome = "success"  # done once, by the fixture
        else:
            done, outputs = runner.run_step(step, context, workspace)
            run.shell[key] = done
            outcome = "success" if done.returncode == 0 else "failure"
            failed = failed or outcome == "failure"
        steps[key] = {"outcome": outcome, "conclusion": outcome, "outputs": outputs}
    run.outputs = {
        name: runner.substitute(str(spec["value"]), runner.context(inputs, steps))
        for name, spec in action()["outputs"].items()
    }
    return run


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


def test_the_action_writes_sarif_uploads_it_and_fails_on_findings(
    runner: Runner, tmp_path: Path
) -> None:
    workspace = _workspace(tmp_path)
    run = _run_action(runner, workspace)
    assert run.skipped == []
    assert run.shell["sarif"].returncode == 0, run.shell["sarif"].stderr
    sarif = json.loads((workspace / "dockerlens.sarif").read_text())
    sarif_validator().validate(sarif)
    assert sarif["version"] == "2.1.0"
    # The folder search found both Dockerfiles; only the root one has findings.
    assert _rule_ids(sarif) == [
        ("DL3008", "Dockerfile", 2),
        ("DL3009", "Dockerfile", 2),
        ("DL3015", "Dockerfile", 2),
        ("SC2086", "Dockerfile", 3),
    ]
    # The upload gets the file the SARIF step wrote, which is also the action's output.
    assert run.outputs == {"sarif-file": "dockerlens.sarif"}
    assert run.uses[UPLOAD] == {"sarif_file": "dockerlens.sarif", "category": "dockerlens"}
    assert run.uses["actions/setup-python@v5"] == {"python-version": "3.12"}
    lint = run.shell["Lint"]
    assert lint.returncode == 1, lint.stderr
    annotations = [line for line in lint.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 4, lint.stdout
    assert any(line.startswith("::warning file=Dockerfile,line=2") for line in annotations)
    assert any(line.startswith("::notice file=Dockerfile,line=3") for line in annotations)


@pytest.mark.parametrize(("threshold", "status"), [("", 1), ("warning", 1), ("error", 0)])
def test_the_failure_threshold_decides_the_exit_code(
    runner: Runner, tmp_path: Path, threshold: str, status: int
) -> None:
    # The fixture's worst finding is a warning (DL3008): below `error` the step passes.
    workspace = _workspace(tmp_path)
    run = _run_action(runner, workspace, failure_threshold=threshold, format="json")
    assert run.shell["Lint"].returncode == status, run.shell["Lint"].stderr
    severities = {f["severity"] for f in json.loads(run.shell["Lint"].stdout)}
    assert severities == {"warning", "info"}
    # The report is written and uploaded whatever the threshold.
    assert run.shell["sarif"].returncode == 0
    assert UPLOAD in run.uses


def test_the_inputs_reach_dockerlens(runner: Runner, tmp_path: Path) -> None:
    workspace = _workspace(tmp_path)
    (workspace / "lint.toml").write_text('ignore = ["DL3015"]\n')
    run = _run_action(
        runner,
        workspace,
        paths="Dockerfile\n  services/api/Dockerfile",
        config="lint.toml",
        extra_args=" --ignore SC2086\t--ignore DL3009 ",
        failure_threshold="error",
        format="json",
        sarif_file="out/report.sarif",
        upload_sarif="false",
    )
    assert run.shell["sarif"].returncode == 0, run.shell["sarif"].stderr
    sarif = json.loads((workspace / "out" / "report.sarif").read_text())
    sarif_validator().validate(sarif)
    # DL3015 left out by the config, SC2086 and DL3009 by extra-args, the clean file has none.
    assert [rule for rule, _, _ in _rule_ids(sarif)] == ["DL3008"]
    assert run.outputs == {"sarif-file": "out/report.sarif"}
    assert UPLOAD not in run.uses and run.skipped == [UPLOAD_STEP]
    lint = run.shell["Lint"]
    # Findings below the failure threshold: reported, and the step passes.
    assert lint.returncode == 0, lint.stderr
    reported = json.loads(lint.stdout)
    assert [(finding["path"], finding["code"]) for finding in reported] == [
        ("Dockerfile", "DL3008")
    ]


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ({"paths": "missing/Dockerfile"}, "dockerlens: error: missing/Dockerfile: no such file"),
        # An input is data, never shell code: the substitution reaches dockerlens as it is.
        ({"extra_args": "--ignore $(touch${IFS}pwned)"}, "unknown rule '$(touch${IFS}pwned)'"),
    ],
)
def test_a_bad_input_fails_the_step_and_nothing_is_uploaded(
    runner: Runner, tmp_path: Path, given: dict[str, str], error: str
) -> None:
    workspace = _workspace(tmp_path)
    run = _run_action(runner, workspace, **given)
    assert run.shell["sarif"].returncode == 2
    assert run.shell["sarif"].stderr.startswith("dockerlens: error: ")
    assert error in run.shell["sarif"].stderr
    assert "Traceback" not in run.shell["sarif"].stderr
    assert run.skipped == [UPLOAD_STEP, "Lint"] and UPLOAD not in run.uses
    assert not (workspace / "pwned").exists()


def _readme_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("\n## GitHub Action\n", 1)[1].split("\n## ", 1)[0]


def test_the_readme_names_every_input_and_its_workflow_runs(runner: Runner, tmp_path: Path) -> None:
    section = _readme_section()
    (block,) = re.findall(r"^```yaml\n(.*?)^```", section, re.MULTILINE | re.DOTALL)
    (job,) = yaml.safe_load(block)["jobs"].values()
    assert job["permissions"]["security-events"] == "write"  # upload-sarif needs it
    (step,) = [s for s in job["steps"] if s["uses"].startswith("dockerlens/dockerlens@")]
    inputs = action()["inputs"]
    assert set(step["with"]) <= set(inputs)
    mentioned = set(re.findall(r"`([\w-]+)`", section)) | set(step["with"])
    assert set(inputs) <= mentioned, set(inputs) - mentioned
    # The workflow's inputs, on the test's repository: DL3008 (the only warning) is ignored,
    # so nothing reaches the `warning` threshold and the job passes, after the upload.
    workspace = _workspace(tmp_path)
    run = _run_action(runner, workspace, **{k: str(v) for k, v in step["with"].items()})
    assert run.shell["Lint"].returncode == 0, run.shell["Lint"].stdout
    sarif = json.loads((workspace / "dockerlens.sarif").read_text())
    assert [rule for rule, _, _ in _rule_ids(sarif)] == ["DL3009", "DL3015", "SC2086"]
    assert run.uses[UPLOAD]["sarif_file"] == "dockerlens.sarif"
