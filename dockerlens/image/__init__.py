"""``dockerlens analyze``: exact layer sizes and wasted bytes of built container images.

The pipeline is CLI (``dockerlens.commands.analyze_cmd``) → image model (``model``) → sources
(``sources``, ``archive``, ``engine``, ``registry``) → analysis (``analysis``, ``dive_compat``,
``sharing``) → report (``report``, ``thresholds``) → render (``render``). Only the command and
``render`` print; docker-py is imported only by ``engine``.
"""
