"""Sources room: read the world (boundaries and programme files), nothing else.

Modules here never import from ``territory``, ``analysis``, ``maps`` or ``cli``.
"""

__all__ = []
