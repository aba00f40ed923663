"""numpy, imported when first used.

A search of a small index needs none of numpy (see :mod:`mlq.cache`), and importing it costs
more than the whole rest of such a search (``bench/speed.py``). Modules write
``from ._numpy import np`` and use ``np`` as usual (see :mod:`mlq._lazy`).
"""

from __future__ import annotations

from typing import Any

from ._lazy import ImportedOnFirstUse

np: Any = ImportedOnFirstUse("numpy")
