"""Modules imported when first used.

A search of an unchanged index writes nothing, pages nothing when piped and composes no
segments, yet importing what those need costs it some 9 ms of the 0.1 s mlq spends on imports
(``python -X importtime``). A module that needs one of them only on such a path binds a name
to ``ImportedOnFirstUse("shutil")`` and uses it as the module: the first attribute looked up
imports it, and each attribute, once looked up, is kept on the proxy (a plain attribute
lookup from then on).
"""

from __future__ import annotations

import importlib
from typing import Any


class ImportedOnFirstUse:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attribute: str) -> Any:
        value = getattr(importlib.import_module(self._name), attribute)
        setattr(self, attribute, value)
        return value
