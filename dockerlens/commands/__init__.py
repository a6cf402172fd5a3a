"""One module per CLI subcommand; :mod:`dockerlens.cli` imports them lazily."""
