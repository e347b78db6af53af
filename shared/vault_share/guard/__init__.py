"""A secret guarded by a code: one-time links now, invitations next.

- `secrets`: tokens, codes and grants from the CSPRNG; what the database keeps of them
  (sha256 of the token, an HMAC of the code under a pepper); constant-time comparison.
- `states`: the one rule that reads an item's state (open, won, locked, expired...).
- `attempts`: the one conditional write that judges a code.
"""
