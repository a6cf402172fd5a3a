"""The JSON report. Keys named in issue 5 are a contract: ``images[].ref/id/size/wasted_bytes/
efficiency/layers[].diff_id/size/created_by/wasted/largest`` and ``shared_layers[].diff_id/size/
images``. Keys may be added, never renamed.

A list cut by ``--top`` says how much it left out (``wasted_omitted``, ``largest_omitted``,
``dive.inefficient_files_omitted``); ``findings`` holds the secrets and the crossed thresholds
as lint findings. ``secrets`` lists the credentials found in any layer (never their values); it
is null when content was not read for them (``--no-secrets``, ``--layers-only``).
"""

from __future__ import annotations

import math
from typing import Any

from dockerlens.image.findings import image_findings
from dockerlens.image.pipeline import ImageResult, shown_count
from dockerlens.image.sharing import Sharing, image_labels
from dockerlens.image.sources import platform_of
from dockerlens.image.thresholds import RuleResult


def _finite(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else value


def _secrets_json(result: ImageResult) -> list[dict[str, Any]] | None:
    figures = result.figures
    if figures is None or figures.secrets is None:
        return None
    return [
        {
            "path": "/" + found.path,
            "kind": found.secret.kind,
            "line": found.secret.line,
            "layer": found.layer,
            "visible": found.visible,
            "added_by": result.layer_instruction(found.layer),
            "hidden_in_layer": found.hidden_in,
            "hidden_by": result.layer_instruction(found.hidden_in),
        }
        for found in figures.secrets
    ]


def image_json(result: ImageResult, top: int) -> dict[str, Any]:
    figures = result.figures
    dive = result.dive
    layers = []
    for layer in result.layers:
        item: dict[str, Any] = {
            "index": layer.index,
            "diff_id": layer.diff_id,
            "size": layer.size,
            "created_by": layer.created_by,
            "instruction": layer.instruction,
            "media_type": layer.media_type,
            "stored_size": layer.stored_size,
            "compression": layer.compression,
        }
        if layer.figures is not None:
            item.update(
                {
                    "entries": layer.figures.entries,
                    "files_added": layer.figures.files_added,
                    "files_changed": layer.figures.files_changed,
                    "files_removed": layer.figures.files_removed,
                    "wasted_bytes": layer.figures.wasted_bytes,
                    "whiteouts_of_missing_paths": layer.figures.whiteouts_of_missing_paths,
                }
            )
        layers.append(item)
    shown_wasted = shown_count(len(figures.wasted), top) if figures is not None else 0
    wasted = [
        {
            "path": "/" + item.path,
            "bytes": item.size,
            "reason": item.reason,
            "added_in_layer": item.added_in,
            "added_by": result.layer_instruction(item.added_in),
            "hidden_in_layer": item.hidden_in,
            "hidden_by": result.layer_instruction(item.hidden_in),
        }
        for item in (figures.wasted[:shown_wasted] if figures is not None else [])
    ]
    largest = [
        {
            "path": "/" + item.path,
            "bytes": item.size,
            "layer": item.layer,
            "added_by": result.layer_instruction(item.layer),
        }
        for item in (figures.largest if figures is not None else [])
    ]
    document: dict[str, Any] = {
        "ref": result.ref,
        "id": result.image.id,
        "tags": result.image.tags,
        "source": result.image.source,
        "platform": platform_of(result.image),
        "size": result.size,
        "wasted_bytes": figures.wasted_bytes if figures is not None else None,
        "wasted_files": len(figures.wasted) if figures is not None else None,
        "final_size": figures.final_size if figures is not None else None,
        "final_files": figures.final_files if figures is not None else None,
        "efficiency": dive.efficiency if dive is not None else None,
        "dive": None,
        "history_matches_layers": result.history_matches_layers,
        "layers": layers,
        "wasted": wasted,
        "largest": largest,
        "wasted_omitted": len(figures.wasted) - shown_wasted if figures is not None else 0,
        "largest_omitted": figures.final_files - len(largest) if figures is not None else 0,
        "history_note": result.history_note,
        "secrets": _secrets_json(result),
        "secret_files_read": (
            figures.secret_files_read
            if figures is not None and figures.secrets is not None
            else None
        ),
    }
    if dive is not None:
        shown_dive = shown_count(len(dive.inefficient), top)
        document["dive"] = {
            "efficiency": dive.efficiency,
            "wasted_bytes": dive.wasted_bytes,
            "user_wasted_percent": _finite(dive.user_wasted_percent),
            "size": dive.size,
            "user_size": dive.user_size,
            "layers_cut_short": dive.layers_cut_short,
            "inefficient_files": [
                {"path": item.path, "count": item.count, "bytes": item.cumulative_size}
                for item in dive.inefficient[:shown_dive]
            ],
            "inefficient_files_omitted": len(dive.inefficient) - shown_dive,
        }
    return document


def secrets_with_dockerfile_lines(document: dict[str, Any]) -> None:
    """Give each secret its layer's ``dockerfile`` (the Dockerfile line that made the layer),
    once something has put that key on ``layers[]`` (``analyze --dockerfile``); no-op before."""
    for image in document["images"]:
        layers = image["layers"]
        for secret in image.get("secrets") or ():
            layer = layers[secret["layer"]] if 0 <= secret["layer"] < len(layers) else {}
            if "dockerfile" in layer:
                secret["dockerfile"] = layer["dockerfile"]


def report_json(
    results: list[ImageResult],
    sharing: Sharing,
    rules: list[RuleResult],
    top: int,
) -> dict[str, Any]:
    labels = image_labels(results)
    return {
        "images": [image_json(result, top) for result in results],
        "shared_layers": [
            {"diff_id": layer.diff_id, "size": layer.size, "images": layer.images}
            for layer in sharing.shared_layers
        ],
        "sharing": {
            "saved_bytes": sharing.saved_bytes,
            "images": [
                {
                    "ref": label,
                    "unique_bytes": sharing.unique_bytes[label],
                    "shared_bytes": sharing.shared_bytes[label],
                }
                for label in labels
            ],
            "bases": [
                {
                    "id": base.id,
                    "layers": base.layers,
                    "size": base.size,
                    "top_diff_id": base.top_diff_id,
                    "top_instruction": base.top_instruction,
                    "images": base.images,
                    "built_on": base.built_on,
                    "saved_bytes": base.saved_bytes,
                }
                for base in sharing.bases
            ],
            "duplicates": [
                {
                    "layers": duplicate.layers,
                    "instructions": duplicate.instructions,
                    "duplicated_bytes": duplicate.duplicated_bytes,
                    "variants": [
                        {
                            "top_diff_id": variant.top_diff_id,
                            "images": variant.images,
                            "duplicated_bytes": variant.duplicated_bytes,
                        }
                        for variant in duplicate.variants
                    ],
                }
                for duplicate in sharing.duplicates
            ],
        },
        "thresholds": {
            "passed": not any(rule.status == "fail" for rule in rules),
            "results": [
                {
                    "rule": rule.rule,
                    "image": rule.image,
                    "status": rule.status,
                    "value": _finite(rule.value) if isinstance(rule.value, float) else rule.value,
                    "threshold": rule.threshold,
                    "message": rule.message,
                    "layer": rule.layer,
                }
                for rule in rules
            ],
        },
        "findings": [finding.to_dict() for finding in image_findings(results, rules)],
    }
