"""Users, passwords (argon2id) and JWT access tokens."""
