"""A benchmark that fails without a section, for the runner's tests."""

import sys

sys.exit("stub failing: the servers did not start")
