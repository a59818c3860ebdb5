"""Local HTTP servers that speak third parties' real formats (see ../shared/external-apis.md)."""
