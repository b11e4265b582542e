"""Example connectomes built in code, offline: small networks drawn from published anatomy.

:data:`EXAMPLES` names each example (as ``brainview example NAME`` takes it) with the function
that builds it, as ``module:function``; the module is imported only when the example is built.
"""

from __future__ import annotations

from importlib import import_module

from brainview.errors import UnknownNameError

EXAMPLES = {
    "mushroom-body": "brainview.connectome.examples.mushroom_body:mushroom_body",
}
"""Example name -> ``module:function`` that builds it (keyword arguments ``seed`` and more)."""


def builder(name: str):
    """The function that builds the example ``name``; UnknownNameError listing the names if none."""
    target = EXAMPLES.get(name)
    if target is None:
        raise UnknownNameError(f"no example {name!r}; examples are {', '.join(EXAMPLES)}")
    module, _, attribute = target.partition(":")
    return getattr(import_module(module), attribute)


__all__ = ["EXAMPLES", "builder"]
