"""Slack: customers who write to our app (DMs, Slack Connect channels), and a team's
threads mirrored into a Slack channel of theirs, where agents answer in Slack threads."""
