"""``--html FILE``: a report to look at, as one self-contained HTML file.

Everything is inline (CSS, SVG, a few lines of JavaScript that sort the tables) and a
Content-Security-Policy forbids loading anything, so the file opens offline in any browser.
The charts are SVG drawn here, so they show without JavaScript. Every text an image holds
(paths, history, tags) goes through :func:`_text`: escaped, with control characters made
visible as in the text report, so a path named ``<script>`` is text.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dockerlens.display import visible
from dockerlens.image.layerscan import Kind
from dockerlens.image.units import human_size, signed_size

if TYPE_CHECKING:
    from dockerlens.image.diff import ImageDiff
    from dockerlens.image.pipeline import ImageResult
    from dockerlens.image.sharing import Sharing
    from dockerlens.image.thresholds import RuleResult

#: Colours the tests look for in a screenshot: a layer's bytes, and its wasted part.
SIZE_COLOUR = "#4e79a7"
WASTE_COLOUR = "#e15759"
_PALETTE = (
    "#59a14f",
    "#f28e2b",
    "#76b7b2",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#8cd17d",
    "#86bcb6",
)
#: Rows a table holds; a cut table says how many it left out.
_TABLE_ROWS = 1000
_TREEMAP_WIDTH = 960
_TREEMAP_HEIGHT = 480
_TREEMAP_DEPTH = 3
_TREEMAP_CHILDREN = 40
_GRAPH_NODES = 60
#: A longer list of the images analysed starts folded.
_IMAGES_LISTED_OPEN = 20
#: Image names a cell of the sharing tables gives before "and N more".
_IMAGES_NAMED = 10

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 3em;color:#222;background:#fff}
h1{font-size:1.5em;margin:.8em 0 .2em}h2{font-size:1.25em;margin:1.6em 0 .4em;
border-bottom:1px solid #ddd}h3{font-size:1.05em;margin:1.2em 0 .3em}
.meta{color:#555}.note{color:#666;font-style:italic}
code,.mono,td.path{font-family:ui-monospace,monospace;font-size:12px}
table{border-collapse:collapse;margin:.4em 0}th,td{padding:2px 8px;text-align:left;
vertical-align:top}td.num,th.num{text-align:right;white-space:nowrap}
tr:nth-child(even) td{background:#f6f6f6}
table.sortable th{cursor:pointer;user-select:none;background:#eee}
th[aria-sort=ascending]::after{content:" \\25b2"}th[aria-sort=descending]::after{content:" \\25bc"}
svg text{font:11px ui-monospace,monospace;fill:#222}svg text.light{fill:#fff}
.legend span{display:inline-block;width:.9em;height:.9em;margin:0 .3em 0 1em;
vertical-align:middle}
"""

_SCRIPT = """
(function () {
  "use strict";
  function value(cell) {
    var number = cell.getAttribute("data-value");
    return number === null ? cell.textContent : parseFloat(number);
  }
  function sortTable(table, column, descending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = value(a.cells[column]), y = value(b.cells[column]);
      var order = typeof x === "number" && typeof y === "number"
        ? x - y : String(x).localeCompare(String(y));
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      if (index === column) {
        th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
      th.addEventListener("click", function () {
        sortTable(table, column, th.getAttribute("aria-sort") !== "descending");
      });
    });
  });
  // #sort=TABLE:COLUMN[:asc] sorts a table when the page opens (a link to a sorted view).
  var wanted = /^#sort=([\\w-]+):(\\d+)(:asc)?$/.exec(window.location.hash);
  if (wanted) {
    var table = document.getElementById(wanted[1]);
    if (table && table.classList.contains("sortable")) {
      sortTable(table, parseInt(wanted[2], 10), !wanted[3]);
    }
  }
  document.body.setAttribute("data-ready", "yes");
})();
"""


def _text(value: object) -> str:
    """Image-derived text as HTML text (or an attribute value): escaped, controls visible."""
    return html.escape(visible(str(value)), quote=True)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _size(size: int | None) -> str:
    return "?" if size is None else human_size(size)


def _page(title: str, body: list[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_text(title)}</title>",
            f"<style>{_STYLE}</style>",
            "</head>",
            "<body>",
            *body,
            f"<script>{_SCRIPT}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )


# -- tables ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    """A sortable table: ``columns`` are (title, numeric); a numeric cell is (number, shown)."""

    table_id: str
    columns: list[tuple[str, bool]]
    rows: list[list[Any]] = field(default_factory=list)

    def render(self, left_out: int = 0) -> str:
        head = "".join(
            f'<th class="num">{html.escape(title)}</th>'
            if numeric
            else f"<th>{html.escape(title)}</th>"
            for title, numeric in self.columns
        )
        lines = [f'<table class="sortable" id="{self.table_id}"><thead><tr>{head}</tr></thead>']
        lines.append("<tbody>")
        for row in self.rows:
            cells = []
            for (_, numeric), cell in zip(self.columns, row, strict=True):
                if numeric:
                    number, shown = cell
                    data = "" if number is None else f' data-value="{number}"'
                    cells.append(f'<td class="num"{data}>{_text(shown)}</td>')
                else:
                    cells.append(f"<td>{_text('' if cell is None else cell)}</td>")
            lines.append("<tr>" + "".join(cells) + "</tr>")
        lines.append("</tbody></table>")
        if left_out:
            lines.append(f'<p class="note">… and {left_out} more rows.</p>')
        return "\n".join(lines)


def _sized(size: int | None) -> tuple[int | None, str]:
    return size, _size(size)


# -- the layer chart ---------------------------------------------------------------------------


def layer_chart(result: ImageResult, chart_id: str) -> str:
    """One row per layer: its bytes as a bar (the wasted part in red), size, and instruction."""
    row_height, bar_left, bar_width, text_left = 22, 190, 320, 530
    width = 1100
    height = row_height * len(result.layers) + 30
    largest = max((layer.size for layer in result.layers), default=0) or 1
    parts = [
        f'<svg id="{chart_id}" class="layer-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="size of each layer">',
        f'<text x="4" y="14">layer</text><text x="{bar_left}" y="14">size (red: wasted)</text>',
        f'<text x="{text_left}" y="14">instruction</text>',
    ]
    for row, layer in enumerate(result.layers):
        top = 22 + row * row_height
        wasted = layer.figures.wasted_bytes if layer.figures is not None else 0
        kept_width = bar_width * max(layer.size - wasted, 0) / largest
        wasted_width = bar_width * min(wasted, layer.size) / largest
        known = layer.figures is not None or layer.stored_size is not None
        label = f"{layer.index}  {_size(layer.size if known else None)}"
        if wasted:
            label += f"  ({human_size(wasted)} wasted)"
        instruction = layer.instruction or "(no history)"
        tooltip = f"layer {layer.index}: {human_size(layer.size)}"
        if wasted:
            tooltip += f", {human_size(wasted)} wasted"
        tooltip += f"\n{layer.diff_id}\n{instruction}"
        parts.append(f"<g><title>{_text(tooltip)}</title>")
        parts.append(f'<text x="4" y="{top + 14}">{_text(label)}</text>')
        if kept_width > 0:
            parts.append(
                f'<rect x="{bar_left}" y="{top + 3}" width="{max(kept_width, 1):.1f}" '
                f'height="{row_height - 6}" fill="{SIZE_COLOUR}"/>'
            )
        if wasted_width > 0:
            parts.append(
                f'<rect x="{bar_left + kept_width:.1f}" y="{top + 3}" '
                f'width="{max(wasted_width, 1):.1f}" height="{row_height - 6}" '
                f'fill="{WASTE_COLOUR}"/>'
            )
        parts.append(
            f'<text x="{text_left}" y="{top + 14}">{_text(_clip(visible(instruction), 85))}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


# -- the treemap of the final file system ------------------------------------------------------


@dataclass(slots=True)
class _Directory:
    size: int = 0
    files: int = 0
    children: dict[str, _Directory] = field(default_factory=dict)


def directory_tree(result: ImageResult) -> _Directory | None:
    """The final file system's regular files, summed by directory (None without the files)."""
    figures = result.figures
    if figures is None or figures.files is None:
        return None
    root = _Directory()
    for path, entry in figures.files.items():
        if entry.kind != Kind.FILE or entry.size <= 0:
            continue
        node = root
        node.size += entry.size
        node.files += 1
        for part in path.strip("/").split("/"):
            node = node.children.setdefault(part, _Directory())
            node.size += entry.size
            node.files += 1
    return root


Rect = tuple[float, float, float, float]


def squarify(values: list[float], rect: Rect) -> list[Rect]:
    """Rectangles for ``values`` (largest first, all > 0) tiling ``rect``, as square as can be
    (Bruls, Huizing and van Wijk's squarified treemap)."""
    x, y, width, height = rect
    total = sum(values)
    if total <= 0 or width <= 0 or height <= 0:
        return [(x, y, 0.0, 0.0) for _ in values]
    areas = [value * width * height / total for value in values]
    placed: list[Rect] = []
    start = 0
    while start < len(areas):
        side = min(width, height)

        def worst(row: list[float], side: float = side) -> float:
            row_sum = sum(row)
            return max(
                max(
                    side * side * area / (row_sum * row_sum),
                    row_sum * row_sum / (side * side * area),
                )
                for area in row
            )

        row = [areas[start]]
        end = start + 1
        while end < len(areas) and worst([*row, areas[end]]) <= worst(row):
            row.append(areas[end])
            end += 1
        # The row runs along the shorter side, taking a strip of the remaining rectangle.
        along_top = width < height
        thickness = sum(row) / max(width if along_top else height, 1e-9)
        offset = 0.0
        for area in row:
            length = area / max(thickness, 1e-9)
            if along_top:
                placed.append((x + offset, y, length, thickness))
            else:
                placed.append((x, y + offset, thickness, length))
            offset += length
        if along_top:
            y, height = y + thickness, height - thickness
        else:
            x, width = x + thickness, width - thickness
        start = end
    return placed


def _collapsed(name: str, directory: _Directory) -> tuple[str, _Directory]:
    """A directory whose only entry is a directory is drawn as one (``usr/share``)."""
    while len(directory.children) == 1:
        child_name, child = next(iter(directory.children.items()))
        if not child.children:
            break
        name, directory = f"{name}/{child_name}", child
    return name, directory


def _treemap_children(directory: _Directory) -> list[tuple[str, _Directory]]:
    children = sorted(
        (_collapsed(name, node) for name, node in directory.children.items()),
        key=lambda item: (-item[1].size, item[0]),
    )
    if len(children) <= _TREEMAP_CHILDREN:
        return children
    kept, rest = children[: _TREEMAP_CHILDREN - 1], children[_TREEMAP_CHILDREN - 1 :]
    other = _Directory(sum(node.size for _, node in rest), sum(node.files for _, node in rest))
    return [*kept, (f"… {len(rest)} more", other)]


def _treemap_cells(
    directory: _Directory, path: str, rect: Rect, depth: int, colour: str | None, out: list[str]
) -> None:
    children = [(name, node) for name, node in _treemap_children(directory) if node.size > 0]
    rects = squarify([float(node.size) for _, node in children], rect)
    for index, ((name, node), (x, y, width, height)) in enumerate(
        zip(children, rects, strict=True)
    ):
        if width < 1 or height < 1:
            continue
        fill = colour or _PALETTE[index % len(_PALETTE)]
        full = posixpath.join(path, name)
        tooltip = (
            f"{full}{'/' if node.children else ''}: {human_size(node.size)}, {node.files} files"
        )
        opacity = 1.0 - 0.22 * (depth - 1)
        out.append(
            f'<g><title>{_text(tooltip)}</title><rect x="{x:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}" fill="{fill}" fill-opacity="{opacity:.2f}" '
            'stroke="#fff" stroke-width="1"/>'
        )
        if width > 40 and height > 14:
            label = _clip(visible(name) + ("/" if node.children else ""), int(width / 7))
            out.append(f'<text x="{x + 3:.1f}" y="{y + 12:.1f}">{_text(label)}</text>')
        out.append("</g>")
        if node.children and depth < _TREEMAP_DEPTH and width > 30 and height > 34:
            inner = (x + 2, y + 16, width - 4, height - 18)
            # Colours tell apart the first directories that have siblings.
            inherited = fill if colour is not None or len(children) > 1 else None
            _treemap_cells(node, full, inner, depth + 1, inherited, out)


def treemap(result: ImageResult, chart_id: str) -> str:
    """The final file system's bytes by directory, nested three levels deep."""
    tree = directory_tree(result)
    if tree is None:
        return '<p class="note">No file system map: layer content was not read (--layers-only).</p>'
    if tree.size == 0:
        return '<p class="note">The final file system holds no file content.</p>'
    cells: list[str] = []
    _treemap_cells(
        tree, "/", (0.0, 0.0, float(_TREEMAP_WIDTH), float(_TREEMAP_HEIGHT)), 1, None, cells
    )
    return "\n".join(
        [
            f'<svg id="{chart_id}" class="treemap" width="{_TREEMAP_WIDTH}" '
            f'height="{_TREEMAP_HEIGHT}" viewBox="0 0 {_TREEMAP_WIDTH} {_TREEMAP_HEIGHT}" '
            'role="img" aria-label="final file system by directory">',
            *cells,
            "</svg>",
        ]
    )


# -- sections of the analyze report ------------------------------------------------------------


def _image_section(
    result: ImageResult, number: int, *, heading: str | None = None, details: bool = True
) -> list[str]:
    """An image's facts, layer chart and treemap; with ``details``, its wasted files and
    secrets too."""
    image = result.image
    figures = result.figures
    facts = [f"{human_size(result.size)} in {len(result.layers)} layers"]
    if figures is not None:
        facts.append(f"{human_size(figures.wasted_bytes)} wasted")
        facts.append(f"{human_size(figures.final_size)} in {figures.final_files} files")
    if result.dive is not None:
        facts.append(f"efficiency {result.dive.efficiency:.4f}")
    parts = [
        f'<section class="image" id="image-{number}">',
        f"<h2>{_text(heading or result.ref)}</h2>",
        f'<p class="meta"><code>{_text(image.id)}</code> from {_text(image.source)}<br>'
        f"{_text(', '.join(facts))}</p>",
        "<h3>Layers</h3>",
        '<p class="legend">'
        f'<span style="background:{SIZE_COLOUR}"></span>bytes'
        f'<span style="background:{WASTE_COLOUR}"></span>wasted (hidden by a later layer)</p>',
        layer_chart(result, f"layers-{number}"),
    ]
    if result.history_note:
        parts.append(f'<p class="note">{_text(result.history_note)}</p>')
    parts += ["<h3>Final file system by directory</h3>", treemap(result, f"treemap-{number}")]
    if details:
        parts += _wasted_section(result, number)
        parts += _secrets_section(result, number)
    parts.append("</section>")
    return parts


def _wasted_section(result: ImageResult, number: int) -> list[str]:
    figures = result.figures
    if figures is None:
        return []
    if not figures.wasted:
        return ["<h3>Wasted files</h3>", '<p class="note">None: every stored byte is visible.</p>']
    table = _Table(
        f"wasted-{number}",
        [
            ("path", False),
            ("bytes", True),
            ("reason", False),
            ("added in layer", True),
            ("added by", False),
            ("hidden in layer", True),
            ("hidden by", False),
        ],
    )
    for item in figures.wasted[:_TABLE_ROWS]:
        table.rows.append(
            [
                "/" + item.path,
                (item.size, human_size(item.size)),
                item.reason,
                (item.added_in, item.added_in),
                result.layer_instruction(item.added_in),
                (item.hidden_in, item.hidden_in),
                result.layer_instruction(item.hidden_in),
            ]
        )
    return [
        f"<h3>Wasted files ({len(figures.wasted)}, {human_size(figures.wasted_bytes)})</h3>",
        '<p class="note">Click a column to sort.</p>',
        table.render(max(len(figures.wasted) - _TABLE_ROWS, 0)),
    ]


def _secrets_section(result: ImageResult, number: int) -> list[str]:
    figures = result.figures
    if figures is None or figures.secrets is None:
        return []
    if not figures.secrets:
        return [
            "<h3>Secrets</h3>",
            f'<p class="note">None found ({figures.secret_files_read} files read).</p>',
        ]
    table = _Table(
        f"secrets-{number}",
        [("kind", False), ("path", False), ("line", True), ("layer", True), ("status", False)],
    )
    for found in figures.secrets:
        status = (
            "visible"
            if found.visible
            else f"deleted in layer {found.hidden_in}: {result.layer_instruction(found.hidden_in)}"
        )
        table.rows.append(
            [
                found.secret.kind,
                "/" + found.path,
                (found.secret.line, found.secret.line),
                (found.layer, found.layer),
                status,
            ]
        )
    return [
        f"<h3>Secrets ({len(figures.secrets)}; values are never shown)</h3>",
        table.render(),
    ]


def _graph_section(results: list[ImageResult]) -> list[str]:
    """The sharing graph as SVG: bases and images in columns by depth, edges base -> user."""
    from dockerlens.image.sharing import sharing_graph

    graph = sharing_graph(results)
    if graph.number_of_nodes() > _GRAPH_NODES:
        return [
            f'<p class="note">The sharing graph has {graph.number_of_nodes()} nodes: '
            "too many to draw; the tables above list the bases.</p>"
        ]
    columns: dict[str, int] = {}
    for node in _topological(graph):
        predecessors = list(graph.predecessors(node))
        columns[node] = 1 + max((columns[p] for p in predecessors), default=-1)
    # Images go in the last column, so that they line up.
    last = max(columns.values(), default=0)
    for node in graph.nodes:
        if graph.nodes[node]["kind"] == "image":
            columns[node] = last if any(graph.predecessors(node)) else 0
    rows: dict[int, list[str]] = {}
    for node in sorted(graph.nodes, key=lambda n: (columns[n], str(graph.nodes[n]["label"]))):
        rows.setdefault(columns[node], []).append(node)
    box_width, box_height, gap_x, gap_y = 220, 36, 60, 12
    width = (last + 1) * (box_width + gap_x)
    height = max(len(column) for column in rows.values()) * (box_height + gap_y) + 10
    position = {
        node: (column * (box_width + gap_x) + 5, row * (box_height + gap_y) + 5)
        for column, nodes in rows.items()
        for row, node in enumerate(nodes)
    }
    parts = [
        f'<svg id="sharing-graph" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="shared bases">'
    ]
    for source, target in graph.edges:
        (x1, y1), (x2, y2) = position[source], position[target]
        parts.append(
            f'<line x1="{x1 + box_width}" y1="{y1 + box_height / 2}" x2="{x2}" '
            f'y2="{y2 + box_height / 2}" stroke="#999" stroke-width="1.5"/>'
        )
    for node, (x, y) in position.items():
        attrs = graph.nodes[node]
        if attrs["kind"] == "image":
            first = _clip(visible(attrs["label"]), 30)
            second = f"{attrs['layers']} layers, {human_size(attrs['size'])}"
            fill = "#dbe7f3"
        else:
            first = f"base: {attrs['layers']} layers, {human_size(attrs['size'])}"
            second = f"{len(attrs['images'])} images"
            fill = "#f3e3c3"
        parts.append(
            f'<g><title>{_text(node)}</title><rect x="{x}" y="{y}" width="{box_width}" '
            f'height="{box_height}" rx="6" fill="{fill}" stroke="#888"/>'
            f'<text x="{x + 6}" y="{y + 15}">{_text(first)}</text>'
            f'<text x="{x + 6}" y="{y + 29}">{_text(second)}</text></g>'
        )
    parts.append("</svg>")
    return parts


def _topological(graph: Any) -> Iterable[str]:
    import networkx

    return list(networkx.topological_sort(graph))


def _sharing_section(results: list[ImageResult], sharing: Sharing) -> list[str]:
    from dockerlens.image.sharing import image_labels, some_images

    if len(results) < 2:
        return []
    images = _Table(
        "sharing-images", [("image", False), ("size", True), ("shared", True), ("unique", True)]
    )
    for label, result in zip(image_labels(results), results, strict=True):
        images.rows.append(
            [
                label,
                _sized(result.size),
                _sized(sharing.shared_bytes[label]),
                _sized(sharing.unique_bytes[label]),
            ]
        )
    parts = [
        '<section id="sharing">',
        "<h2>Sharing</h2>",
        f"<p>Bytes saved by sharing layers: <b>{human_size(sharing.saved_bytes)}</b> "
        f"({sharing.saved_bytes:,} B) over {len(results)} images.</p>",
        images.render(),
    ]
    if sharing.bases:
        bases = _Table(
            "bases",
            [
                ("layers", True),
                ("size", True),
                ("images", True),
                ("saved", True),
                ("top instruction", False),
                ("images using it", False),
            ],
        )
        for base in sharing.bases:
            bases.rows.append(
                [
                    (base.layers, base.layers),
                    _sized(base.size),
                    (len(base.images), len(base.images)),
                    _sized(base.saved_bytes),
                    base.top_instruction,
                    some_images(base.images, _IMAGES_NAMED),
                ]
            )
        parts += ["<h3>Bases (layer prefixes images share)</h3>", bases.render()]
        parts += _graph_section(results)
    if sharing.duplicates:
        table = _Table(
            "duplicates",
            [
                ("layers", True),
                ("stored again", True),
                ("shared by", False),
                ("built again by", False),
                ("top instruction", False),
            ],
        )
        for duplicate in sharing.duplicates:
            kept, *others = duplicate.variants
            table.rows.append(
                [
                    (duplicate.layers, duplicate.layers),
                    _sized(duplicate.duplicated_bytes),
                    some_images(kept.images, _IMAGES_NAMED),
                    some_images(
                        [image for variant in others for image in variant.images], _IMAGES_NAMED
                    ),
                    duplicate.instructions[-1],
                ]
            )
        parts += [
            "<h3>Bases built again instead of shared</h3>",
            '<p class="note">The same instructions, layer sizes within 1 %, other diff_ids.</p>',
            table.render(),
        ]
    parts.append("</section>")
    return parts


def _rules_section(rules: list[RuleResult]) -> list[str]:
    if not rules:
        return []
    table = _Table(
        "thresholds", [("status", False), ("image", False), ("rule", False), ("message", False)]
    )
    for rule in rules:
        table.rows.append([rule.status, rule.image, rule.rule, rule.message])
    return ['<section id="thresholds"><h2>Thresholds</h2>', table.render(), "</section>"]


def analyze_html(results: list[ImageResult], sharing: Sharing, rules: list[RuleResult]) -> str:
    """The analyze report as one HTML page."""
    title = "dockerlens analyze: " + ", ".join(result.ref for result in results[:3])
    if len(results) > 3:
        title += f" and {len(results) - 3} more"
    body = [f"<h1>{_text(title)}</h1>"]
    if len(results) > 1:
        links = "".join(
            f'<li><a href="#image-{number}">{_text(result.ref)}</a> '
            f"({human_size(result.size)})</li>"
            for number, result in enumerate(results)
        )
        opened = " open" if len(results) <= _IMAGES_LISTED_OPEN else ""
        body.append(
            f"<nav><details{opened}><summary>{len(results)} images</summary>"
            f"<ul>{links}</ul></details></nav>"
        )
    body += _sharing_section(results, sharing)
    body += _rules_section(rules)
    for number, result in enumerate(results):
        body += _image_section(result, number)
    return _page(title, body)


# -- the diff report ---------------------------------------------------------------------------


def diff_html(diff: ImageDiff, growth: dict[str, Any] | None) -> str:
    """The diff report as one HTML page: sizes, both layer charts, the changed files."""
    from dockerlens.image.diff import directory_totals

    before, after = diff.before, diff.after
    (from_size, to_size), change = diff.final_sizes, diff.final_sizes[1] - diff.final_sizes[0]
    title = f"dockerlens diff: {before.ref} → {after.ref}"
    body = [
        f"<h1>{_text(title)}</h1>",
        f"<p>Final file system: {human_size(from_size)} → {human_size(to_size)} "
        f"(<b>{signed_size(change)}</b>). Layers: {len(diff.layers.shared)} shared, "
        f"{len(diff.layers.only_from)} only in FROM, {len(diff.layers.only_to)} only in TO.</p>",
    ]
    if growth is not None:
        verdict = "passed" if growth["passed"] else "FAILED"
        body.append(f"<p><b>{verdict}</b>: {_text(growth['message'])}</p>")
    files = _Table(
        "files",
        [
            ("path", False),
            ("change", False),
            ("from size", True),
            ("to size", True),
            ("size change", True),
            ("TO layer", True),
            ("instruction", False),
        ],
    )
    for item in diff.files[:_TABLE_ROWS]:
        instruction = after.layer_instruction(item.to_layer)
        files.rows.append(
            [
                "/" + item.path,
                item.change,
                _sized(item.from_size),
                _sized(item.to_size),
                (item.size_change, signed_size(item.size_change)),
                (item.to_layer, "" if item.to_layer is None else item.to_layer),
                instruction,
            ]
        )
    directories = _Table(
        "directories", [("directory", False), ("net change", True), ("files changed", True)]
    )
    for directory, net, count in directory_totals(diff.files)[:_TABLE_ROWS]:
        directories.rows.append(["/" + directory, (net, signed_size(net)), (count, count)])
    body += [
        f"<h2>Changed files ({len(diff.files)})</h2>",
        '<p class="note">Click a column to sort.</p>',
        files.render(max(len(diff.files) - _TABLE_ROWS, 0)),
        "<h3>By directory</h3>",
        directories.render(),
    ]
    for number, (role, result) in enumerate((("FROM", before), ("TO", after))):
        body += _image_section(result, number, heading=f"{role}: {result.ref}", details=False)
    return _page(title, body)
