#!/usr/bin/env python
"""django-helpdesk's manage.py for the benchmark: run it with .bench/helpdesk-venv/bin/python."""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    # The folder above holds this project as a package (helpdesk_project.settings).
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
