"""m2m-tui: machine-to-machine (OAuth2 client_credentials) token work in the terminal."""

__version__ = "0.1.0"
