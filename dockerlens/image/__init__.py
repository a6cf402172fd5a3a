"""``dockerlens analyze``: exact layer sizes and wasted bytes of built container images.

The pipeline is CLI (``command``) → sources (``sources``, ``archive``, ``engine``) → analysis
(``analysis``, ``dive_compat``, ``sharing``) → report (``report``, ``thresholds``) → render
(``render``). Only ``command`` and ``render`` print; docker-py is imported only by ``engine``.
"""
