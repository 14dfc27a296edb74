"""Tests of mailcore/netdisk."""
