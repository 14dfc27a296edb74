"""What every network listener shares, whatever its protocol (connection limits)."""
