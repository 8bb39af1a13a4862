"""fastact: neural-network activation functions as fast, accurate NumPy ufuncs.

Elementwise functions are real ``numpy.ufunc`` objects (``out=``, ``where=``, ``dtype=``,
broadcasting and ``__array_ufunc__`` dispatch all work); softmax-like functions are
gufuncs with signature ``(n)->(n)`` behind thin wrappers whose default axis is -1.
The list of functions is ``fastact._registry.ACTIVATIONS``.
"""
from ._api import FUNCTIONS as _FUNCTIONS, config, show_config, _version
from ._ufuncs import get_num_threads, set_num_threads

globals().update(_FUNCTIONS)
__version__ = _version()
__all__ = [*_FUNCTIONS, "config", "show_config", "get_num_threads", "set_num_threads",
           "__version__"]
