"""Administration: who may administer what (tiered admins), and the operation log."""
