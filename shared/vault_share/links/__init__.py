"""One-time download links guarded by a 6-digit code.

- `codes`: token hashing, code MACs, the pepper.
- `store`: the link item in the shares table; every rule that must hold under
  concurrency is a DynamoDB condition there.
- `service`: owner use cases (create, list, revoke) and recipient ones (view, unlock, fetch).
- `emails`, `pages`: what people read, in French.
"""
