"""Configuration: which config file is used and what it says (profiles, the `[server]`
table), how a profile's secret is found, and where state is kept."""
