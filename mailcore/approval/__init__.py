"""Outbound approval (A3): rules, the approval queue, decisions, links and timeouts."""
