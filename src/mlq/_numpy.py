"""numpy, imported when first used.

A search of a small index needs none of numpy (see :mod:`mlq.cache`), and importing it costs
more than the whole rest of such a search (``bench/speed.py``). Modules write
``from ._numpy import np`` and use ``np`` as usual: the first attribute looked up imports
numpy, and each attribute, once looked up, is kept on the proxy (a plain attribute lookup
from then on: searches use thousands).
"""

from __future__ import annotations

import importlib
from typing import Any


class _ImportedOnFirstUse:
    def __getattr__(self, name: str) -> Any:
        value = getattr(importlib.import_module("numpy"), name)
        setattr(self, name, value)
        return value


np: Any = _ImportedOnFirstUse()
