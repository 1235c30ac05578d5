"""One module per group of subcommands; each has `register(sub)`, which adds its parsers with `func` set."""
