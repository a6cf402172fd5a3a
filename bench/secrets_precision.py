"""Precision and recall of the secret scanner (``dockerlens.secrets``) on the labelled sets.

Usage::

    python bench/secrets_precision.py

Each file of ``tests/secret_samples.py`` goes through what ``analyze`` does: ``worth_reading``
(name and size first), then ``sniff`` (content). A finding counts as right when the file holds a
credential of that kind; a finding on a file without one, or of another kind, is wrong; a
credential not found is missed. Prints the figures of each set and the files it got wrong or
missed (paths and kinds only).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dockerlens.secrets import sniff, worth_reading
from tests.secret_samples import Sample, holdout_samples, samples


def judge(name: str, labelled: list[Sample]) -> None:
    right = wrong = missed = 0
    notes = []
    for sample in labelled:
        read = worth_reading(sample.path, len(sample.data))
        found = sniff(sample.path, sample.data) if read else None
        kind = found.kind if found is not None else None
        if kind is not None and kind == sample.kind:
            right += 1
        else:
            if kind is not None:
                wrong += 1
                notes.append(f"  wrong: {sample.path} reported {kind}, holds {sample.kind}")
            if sample.kind is not None:
                missed += 1
                why = "" if read else " (not read: its name)"
                notes.append(f"  missed: {sample.path} ({sample.kind}){why}")
    credentials = sum(sample.kind is not None for sample in labelled)
    findings = right + wrong
    precision = right / findings if findings else 1.0
    recall = right / credentials if credentials else 1.0
    print(
        f"{name}: {len(labelled)} files, {credentials} credentials; {findings} findings, "
        f"{right} right, {wrong} wrong, {missed} missed: precision {precision:.3f}, "
        f"recall {recall:.3f}"
    )
    for note in notes:
        print(note)


def main() -> None:
    judge("labelled set (tuned on)", samples())
    judge("holdout set (written after, not tuned on)", holdout_samples())


if __name__ == "__main__":
    main()
