"""One-time download links guarded by a 6-digit code.

- `codes`: token hashing, code MACs, the pepper.
- `store`: the link item in the shares table; every rule that must hold under
  concurrency is a DynamoDB condition there.
- `owner`: the owner's use cases (create, list, revoke); `recipient`: the recipient's (view, unlock, fetch).
- `emails`, `pages`: what people read, in French.
"""
