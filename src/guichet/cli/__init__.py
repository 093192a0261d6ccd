"""Command line: ``guichet serve | migrate | demo | user | simulate | staffing``."""
