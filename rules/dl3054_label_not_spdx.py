from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, ClassVar

from dockerlens.lazyre import LazyPattern
from dockerlens.lint import Category, LintContext, Problem, Rule, Severity, Step
from dockerlens.lint.labels import SchemaOptions, bad_typed_labels

#: Common SPDX license ids (the license list has about 700; these cover the licenses images
#: are published under in practice). Families with many versions are patterns below.
_IDS = """
0BSD AAL AFL-1.1 AFL-1.2 AFL-2.0 AFL-2.1 AFL-3.0 AML Apache-1.0 Apache-1.1 Apache-2.0
APSL-1.0 APSL-1.1 APSL-1.2 APSL-2.0 Artistic-1.0 Artistic-1.0-cl8 Artistic-1.0-Perl
Artistic-2.0 Beerware BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-FreeBSD
BSD-2-Clause-NetBSD BSD-2-Clause-Patent BSD-2-Clause-Views BSD-3-Clause
BSD-3-Clause-Attribution BSD-3-Clause-Clear BSD-3-Clause-LBNL BSD-3-Clause-Modification
BSD-3-Clause-No-Military-License BSD-3-Clause-No-Nuclear-License
BSD-3-Clause-No-Nuclear-License-2014 BSD-3-Clause-No-Nuclear-Warranty BSD-3-Clause-Open-MPI
BSD-4-Clause BSD-4-Clause-UC BSD-Protection BSD-Source-Code BSL-1.0 BUSL-1.1 bzip2-1.0.6
CAL-1.0 CAL-1.0-Combined-Work-Exception CATOSL-1.1 CC0-1.0 CDDL-1.0 CDDL-1.1 CDLA-Permissive-1.0
CDLA-Permissive-2.0 CDLA-Sharing-1.0 CECILL-1.0 CECILL-1.1 CECILL-2.0 CECILL-2.1 CECILL-B
CECILL-C CERN-OHL-P-2.0 CERN-OHL-S-2.0 CERN-OHL-W-2.0 ClArtistic CNRI-Python Condor-1.1
copyleft-next-0.3.1 CPAL-1.0 CPL-1.0 CUA-OPL-1.0 curl DOC ECL-1.0 ECL-2.0 EFL-1.0 EFL-2.0
Elastic-2.0 Entessa EPL-1.0 EPL-2.0 ErlPL-1.1 EUDatagrid EUPL-1.0 EUPL-1.1 EUPL-1.2 Fair
Frameworx-1.0 FSFAP FSFUL FSFULLR FTL GL2PS Glide HPND HPND-sell-variant ICU IJG ImageMagick
Imlib2 Info-ZIP Intel IPA IPL-1.0 ISC JasPer-2.0 JSON LGPLLR Libpng libpng-2.0 libtiff
LiLiQ-P-1.1 LiLiQ-R-1.1 LiLiQ-Rplus-1.1 LPL-1.0 LPL-1.02 LPPL-1.0 LPPL-1.1 LPPL-1.2
LPPL-1.3a LPPL-1.3c MirOS MIT MIT-0 MIT-advertising MIT-CMU MIT-enna MIT-feh
MIT-Modern-Variant MIT-open-group MITNFA Motosoto MPL-1.0 MPL-1.1 MPL-2.0
MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-1.0 MulanPSL-2.0 Multics NASA-1.3 Naumen
NCSA NGPL Nokia NPL-1.0 NPL-1.1 NPOSL-3.0 NTP Nunit OCLC-2.0 ODbL-1.0 ODC-By-1.0 OFL-1.0
OFL-1.0-no-RFN OFL-1.0-RFN OFL-1.1 OFL-1.1-no-RFN OFL-1.1-RFN OGTSL OpenSSL OPL-1.0
OSET-PL-2.1 OSL-1.0 OSL-1.1 OSL-2.0 OSL-2.1 OSL-3.0 PDDL-1.0 PHP-3.0 PHP-3.01 PostgreSQL
PSF-2.0 Python-2.0 Python-2.0.1 QPL-1.0 RPL-1.1 RPL-1.5 RPSL-1.0 RSCPL Ruby SGI-B-2.0 SimPL-2.0
SISSL Sleepycat SMLNJ SPL-1.0 SSPL-1.0 TCL TCP-wrappers UCL-1.0 Unicode-3.0 Unicode-DFS-2015
Unicode-DFS-2016 Unicode-TOU Unlicense UPL-1.0 Vim VSL-1.0 W3C W3C-19980720 W3C-20150513
Watcom-1.0 WTFPL X11 XFree86-1.1 Xnet xpp YPL-1.1 Zed Zend-2.0 Zimbra-1.3 Zimbra-1.4 Zlib
zlib-acknowledgement ZPL-1.1 ZPL-2.0 ZPL-2.1
"""
_FAMILIES = LazyPattern(
    r"(GPL-(1\.0|2\.0|3\.0)|LGPL-(2\.0|2\.1|3\.0)|AGPL-(1\.0|3\.0)|GFDL-1\.[123])"
    r"(-only|-or-later)?"
    r"|GFDL-1\.[123](-no)?-invariants-(only|or-later)"
    r"|CC-BY(-NC)?(-ND|-SA)?-(1\.0|2\.0|2\.5|3\.0|4\.0)"
    r"|OLDAP-(1\.[1-4]|2\.[0-8]|2\.0\.1|2\.2\.[12])",
    re.IGNORECASE,
)
KNOWN_IDS = frozenset(i.lower() for i in _IDS.split())
_TOKEN = LazyPattern(r"\s*(\(|\)|[A-Za-z0-9.\-+:]+)")
_REF = LazyPattern(r"^(DocumentRef-[A-Za-z0-9.\-]+:)?LicenseRef-[A-Za-z0-9.\-]+$")
_EXCEPTION = LazyPattern(r"^[A-Za-z0-9.\-]+-exception(-[0-9.]+)?$|^[A-Za-z0-9.\-]+$")


def is_license_id(word: str) -> bool:
    """A license id of the SPDX list (matched without regard to case, as SPDX says), with an
    optional ``+``, or a ``LicenseRef-``."""
    if _REF.match(word):
        return True
    word = word.removesuffix("+")
    return word.lower() in KNOWN_IDS or _FAMILIES.fullmatch(word) is not None


def is_spdx_expression(text: str) -> bool:
    """An SPDX license expression: ids joined by AND, OR and WITH, with parentheses."""
    tokens = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            return False
        tokens.append(match.group(1))
        position = match.end()
    parser = _Parser(tokens)
    return bool(tokens) and parser.expression() and parser.position == len(tokens)


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def operator(self, name: str) -> bool:
        token = self.peek()
        if token is not None and token in (name, name.lower()):
            self.position += 1
            return True
        return False

    def expression(self) -> bool:
        if not self.term():
            return False
        while self.operator("OR") or self.operator("AND"):
            if not self.term():
                return False
        return True

    def term(self) -> bool:
        token = self.peek()
        if token is None:
            return False
        self.position += 1
        if token == "(":
            if not self.expression() or self.peek() != ")":
                return False
            self.position += 1
            return True
        if not is_license_id(token):
            return False
        if self.operator("WITH"):
            exception = self.peek()
            if exception is None or not _EXCEPTION.match(exception):
                return False
            self.position += 1
        return True


class LabelNotSpdx(Rule):
    """An `spdx` label of the label schema does not hold an SPDX license expression.

    ## What it does
    With a `label-schema` configured, reports a label of type `spdx` whose value is not an
    SPDX license id (`MIT`, `Apache-2.0`, `GPL-3.0-or-later`) or an SPDX expression of them
    (`MIT OR Apache-2.0`, `GPL-2.0-only WITH Classpath-exception-2.0`).

    ## Why is this bad?
    License scanners and compliance tools read `org.opencontainers.image.licenses` as SPDX.
    `Apache 2.0`, `BSD` or `GPLv3` are ambiguous names that no tool can map to a license text.

    ## Example
    ```dockerfile lines=2
    FROM debian:12
    LABEL org.opencontainers.image.licenses="Apache 2.0"
    ```

    ## Use instead
    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.licenses="Apache-2.0"
    ```

    ```dockerfile
    FROM debian:12
    LABEL org.opencontainers.image.licenses="MIT OR Apache-2.0"
    ```

    ## Differences from hadolint
    hadolint accepts one current license id only, spelt with its exact case. The OCI image
    spec defines `org.opencontainers.image.licenses` as an SPDX *expression*, so dockerlens
    accepts expressions (`AND`, `OR`, `WITH`, parentheses, `+`), ids in any case (SPDX
    matches them without regard to case), deprecated ids such as `GPL-2.0`, and
    `LicenseRef-` ids. A value taken from a build argument is not judged.

    dockerlens carries no copy of the whole SPDX license list (about 700 ids): it knows the
    common licenses (GNU, Apache, BSD, MIT, Mozilla, Eclipse, Creative Commons, OpenLDAP
    families and about 200 others). A valid but rare id outside that list is reported; use
    `LicenseRef-` or ignore the finding for it.
    """

    code = "DL3054"
    name = "label-not-spdx"
    severity = Severity.WARNING
    category = Category.MAINTAINABILITY
    message = "Label is not a valid SPDX identifier."
    on = frozenset({"LABEL"})
    Options = SchemaOptions
    inert_unless = ("label_schema",)
    example_options: ClassVar[dict[str, Any]] = {
        "label-schema": {"org.opencontainers.image.licenses": "spdx"}
    }

    def check(self, step: Step, ctx: LintContext) -> Iterator[Problem]:
        yield from bad_typed_labels(
            step,
            self.options.label_schema,
            "spdx",
            is_spdx_expression,
            "Label `{label}` is not a valid SPDX identifier.",
        )
