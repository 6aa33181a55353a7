"""The pieces of OAuth both sides need to agree on: the client (m2m_tui) and the bundled
servers (api_server) import them from here, so a proof the client builds is one the
server accepts by construction, not by two copies kept in step.

Each module is named for the standard it follows. Nothing here imports m2m_tui or
api_server (an import contract keeps it so), and nothing here does I/O beyond the
private-file writer and the Actions runner (actions/), which starts Node.js: both
sides must run an Action the same way, so that a preview is what the server will do."""
