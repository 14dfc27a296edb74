"""Branding: per-domain login pages, the company signature template, signatures, business cards."""
