"""The smallest Django project that runs django-helpdesk, for bench/helpdesk_ingest.py.

It runs in django-helpdesk's own virtualenv (.bench/helpdesk-venv), never in Threadline's.
"""
