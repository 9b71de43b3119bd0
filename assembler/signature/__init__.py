"""Signature: the pre-signature gate and the execution record, what follows a signature, and `verify`."""
