"""The agents' live inbox in a real browser: Playwright drives Debian's Chromium against a
Daphne server that the tests start, on the production stack."""
