"""The web chat widget's customer side: visitor tokens, identity verification, the
visitor's socket and HTTP endpoints. The protocol is documented in docs/webchat.md.

Views and the consumer are thin: they check the origin and the token, then call
``actions`` (writes) and ``selectors`` (reads)."""
