"""The admins' pages for the rules: list, form, delete (``rules``) and the run log (``log``)."""
