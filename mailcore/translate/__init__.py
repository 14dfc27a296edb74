"""Offline translation of mail (EN→ZH) with Argos Translate: packages, engine, cache, jobs."""
