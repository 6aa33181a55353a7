"""Auth0-style credentials-exchange Actions, run as Auth0 runs them: JavaScript on
Node.js. The bundled authority runs them before it signs a token; m2m-tui runs the same
code the same way for `actions test` and `preview`, so a preview is what the token
endpoint will do. `runner.js` is the one runtime both use."""
