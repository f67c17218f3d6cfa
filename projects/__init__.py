"""A developer's projects: /projects."""
