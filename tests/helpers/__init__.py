"""What many test modules share and that is not a fixture: sessions on a running stack,
driving the app (settle, paste, what a widget shows), a gated API, a clock a test moves,
and waiting for an event instead of for a time."""
