"""Why a token request was refused: what the client sent, what the server answered, each
check against the server's metadata, and the cause and the fix (`report.diagnose_request`)."""
