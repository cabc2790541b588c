"""Classing values for choropleth maps, with numpy alone.

Three schemes cover the maps: :func:`quantiles`, :func:`user_defined` (fixed
breaks, e.g. 10, 20, 30 minutes) and :func:`equal_interval`. They follow
mapclassify's conventions (the reference library, Rey et al., PySAL):
``bins`` are the classes' upper bounds, a value belongs to the first class
whose upper bound it does not exceed (classes closed on the right), ties in
quantiles collapse to fewer classes. Any other mapclassify scheme
(``FisherJenks``, ``NaturalBreaks``…) is used through :func:`classify` when
the optional extra is installed: ``pip install "territoires[classification]"``.

>>> c = quantiles([1, 2, 3, 4, 5, 6, 7, 8], k=4)
>>> c.bins.tolist(), c.yb.tolist()
([2.75, 4.5, 6.25, 8.0], [0, 0, 1, 1, 2, 2, 3, 3])
>>> user_defined([5, 15, 25, 45], [10, 20, 30]).yb.tolist()
[0, 1, 2, 3]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["SCHEMES", "Classes", "classify", "equal_interval", "quantiles", "user_defined"]


@dataclass
class Classes:
    """Upper bounds of the classes (``bins``) and each value's class (``yb``, from 0)."""

    bins: np.ndarray
    yb: np.ndarray

    @property
    def k(self) -> int:
        return len(self.bins)

    def counts(self) -> np.ndarray:
        return np.bincount(self.yb, minlength=self.k)


def _values(y) -> np.ndarray:
    v = np.asarray(y, dtype=float).ravel()
    if v.size == 0:
        raise ValueError("aucune valeur à classer")
    if not np.isfinite(v).all():
        raise ValueError("valeurs manquantes ou infinies : les retirer avant de classer")
    return v


def _assign(v: np.ndarray, bins: np.ndarray) -> Classes:
    return Classes(bins=bins, yb=np.searchsorted(bins, v, side="left").astype(int))


def quantiles(y, k: int = 5) -> Classes:
    """``k`` classes holding about as many values each (fewer if ties make bounds equal)."""
    v = _values(y)
    if k < 1:
        raise ValueError(f"nombre de classes invalide : {k}")
    w = 100.0 / k
    pct = np.arange(w, 100 + w, w)[:k]  # cumulative steps, as mapclassify (bounds land on the same floats)
    pct[-1] = min(pct[-1], 100.0)
    bins = np.unique(np.percentile(v, pct))
    return _assign(v, bins)


def user_defined(y, bins) -> Classes:
    """Classes with the given upper bounds; a last class up to the maximum is added if values exceed them."""
    v = _values(y)
    b = np.sort(np.asarray(bins, dtype=float))
    if v.max() > b[-1]:
        b = np.append(b, v.max())
    return _assign(v, b)


def equal_interval(y, k: int = 5) -> Classes:
    """``k`` classes of equal width from the minimum to the maximum."""
    v = _values(y)
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:
        return _assign(v, np.array([hi]))
    bins = lo + (hi - lo) / k * np.arange(1, k + 1)
    bins[-1] = hi
    return _assign(v, bins)


SCHEMES: dict[str, Callable[..., Classes]] = {"quantiles": quantiles, "user_defined": user_defined, "equal_interval": equal_interval}


def classify(y, scheme: str = "quantiles", **kw) -> Classes:
    """Class ``y`` with ``scheme``: one of :data:`SCHEMES`, or any mapclassify classifier if it is installed."""
    key = scheme.lower().replace("-", "_")
    if key in SCHEMES:
        return SCHEMES[key](y, **kw)
    try:
        import mapclassify
    except ImportError:
        raise ValueError(
            f"méthode de classement « {scheme} » : seules {', '.join(SCHEMES)} sont disponibles sans mapclassify "
            '(pip install "territoires[classification]")'
        ) from None
    names = {n.lower(): n for n in mapclassify.CLASSIFIERS}
    if key.replace("_", "") not in names:
        raise ValueError(f"méthode de classement inconnue « {scheme} » ; méthodes : {', '.join(SCHEMES)}, {', '.join(mapclassify.CLASSIFIERS)}")
    c = getattr(mapclassify, names[key.replace("_", "")])(_values(y), **kw)
    return Classes(bins=np.asarray(c.bins, dtype=float), yb=np.asarray(c.yb, dtype=int))
