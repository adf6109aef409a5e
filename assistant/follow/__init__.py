"""Following a search or a question: what is new since the last run, an Atom feed, an e-mail digest.
Stored with the index (DATA_DIR/follows/follows.json); `follow run` is idempotent and safe against two
runs at once."""
