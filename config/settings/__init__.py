"""Settings modules: `local` (default), `test` and `production`; `base` is shared."""
