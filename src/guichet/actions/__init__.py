"""Use cases: ``check_*`` validate, ``do_*`` write. The only code that commits."""
