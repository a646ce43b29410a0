"""Parents' conversations: one module each, each exposing `handlers()`."""
