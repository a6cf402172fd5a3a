"""``dockerlens lsp``: the linter as a language server for editors (pygls, over stdio)."""
