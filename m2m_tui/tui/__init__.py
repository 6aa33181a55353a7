"""The Textual front end: it renders core objects and forwards what the user asks for."""
