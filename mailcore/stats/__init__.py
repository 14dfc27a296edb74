"""Figures for the admin console dashboard."""
