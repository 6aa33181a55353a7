"""The CLI's subcommands, one module each; they share the core with the TUI."""
