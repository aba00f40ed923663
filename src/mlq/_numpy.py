"""numpy, imported when first used.

A search of a small index needs none of numpy (see :mod:`mlq.cache`), and importing it costs
more than the whole rest of such a search (``bench/speed.py``). Modules write
``from ._numpy import np`` and use ``np`` as usual: the first attribute looked up imports
numpy, and every later one is a dictionary lookup away from it.
"""

from __future__ import annotations

import importlib
from typing import Any


class _ImportedOnFirstUse:
    def __getattr__(self, name: str) -> Any:
        return getattr(importlib.import_module("numpy"), name)


np: Any = _ImportedOnFirstUse()
