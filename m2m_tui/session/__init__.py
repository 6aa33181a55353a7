"""One user's working session: the profile in use, its token, the calls made and the
history they leave, shared by the TUI and the CLI."""
