"""Raw ids (`user_id`, `item_id`, any integers) to dense 0-based indices (`user_index`, `item_index`) and back.

Models store one row per index, so every model keeps an `IdEncoder` per side, fitted on its training ratings.
"""

from __future__ import annotations

import math

import numpy as np


def _whole_number(value) -> bool:
    """Whether one value of a non-numeric array reads as a whole number (`3`, `"3"`): not the one to blame."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number == math.floor(number)


def as_ids(ids, what: str = "id") -> np.ndarray:
    """`ids` as an int64 array; a ValueError for anything that is not an integer id.

    Integers pass, and so do floats that hold whole numbers (3.0, as pandas stores ids with gaps); 1.7, NaN,
    infinity, strings and booleans are refused with a message naming the first bad value, instead of being
    cast silently (1.7 would become user 1).

    >>> as_ids([1, 2.0], "user_id")
    array([1, 2])
    """
    values = np.asarray(ids)
    if values.dtype.kind == "O":  # e.g. a pandas column of Python ints: numbers pass on as floats
        try:
            values = values.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if values.dtype.kind in "iu":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        bad = ~np.isfinite(values) | (values != np.floor(values))
        if not bad.any():
            return values.astype(np.int64)
        first = values[bad].flat[0]
    elif values.size == 0:
        return values.astype(np.int64)
    else:  # strings, or numbers mixed with strings: name the first value that is no whole number
        first = next((v for v in values.flat if not _whole_number(v)), values.flat[0])
    first = first.item() if isinstance(first, np.generic) else first
    raise ValueError(
        f"{what} must be whole numbers (the ids of the training data); got {first!r} "
        f"({values.dtype} values): pass the raw integer ids, e.g. ratings['{what}'].astype('int64')"
    )


class IdEncoder:
    """Maps raw ids (`user_id`, `item_id`) to dense 0-based indices (`user_index`, `item_index`) and back.

    >>> enc = IdEncoder([30, 10, 20, 10], what="item_id")
    >>> enc.transform([20, 30])
    array([1, 2])
    >>> enc.inverse([0])
    array([10])
    """

    def __init__(self, ids, what: str = "id"):
        self.ids = np.unique(as_ids(ids, what))  # sorted: index i ↔ ids[i]
        self.what = what

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"IdEncoder({self.what}: {len(self)} ids)"

    def contains(self, ids) -> np.ndarray:
        """Boolean mask: which of `ids` were seen when the encoder was fitted (a ValueError for non-ids)."""
        ids = as_ids(ids, self.what)
        pos = np.searchsorted(self.ids, ids).clip(0, max(len(self.ids) - 1, 0))
        return (self.ids[pos] == ids) if len(self.ids) else np.zeros(ids.shape, bool)

    def transform(self, ids, *, unknown: str = "error") -> np.ndarray:
        """Dense indices of `ids`.

        Args:
            ids: raw ids (scalar or array-like).
            unknown: "error" raises a ValueError naming the unknown ids; "ignore" returns -1 for them.
        """
        if unknown not in ("error", "ignore"):  # a typo must not silently act as "ignore"
            raise ValueError(f'unknown must be "error" or "ignore"; got {unknown!r}')
        ids = as_ids(ids, self.what)
        known = self.contains(ids)
        if unknown == "error" and not known.all():
            missing = np.unique(ids[~known])
            shown = ", ".join(str(i) for i in missing[:5]) + (", ..." if len(missing) > 5 else "")
            raise ValueError(
                f"unknown {self.what} {shown}: not in the training data ({len(missing)} unknown); "
                "check the id, or treat it as a cold-start case (see the chapter on fold-in)"
            )
        index = np.searchsorted(self.ids, ids)
        return np.where(known, index, -1).astype(np.int64)

    def inverse(self, index) -> np.ndarray:
        """Raw ids of dense indices."""
        return self.ids[np.asarray(index, dtype=np.int64)]
