"""The emulated Qomon API routes, one module per family of endpoints; `sandbox/app.py` mounts them."""
