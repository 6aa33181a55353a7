"""The built-in guided demo: its script language and the tenant it runs against."""
