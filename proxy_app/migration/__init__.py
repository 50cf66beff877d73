"""Migration from a legacy user store: the policy every path asks (`policy.py`), the
proxy's own migration on sign-in and reset (`on_sign_in.py`). Nothing is imported here,
so that asking the policy does not load the legacy sources."""
