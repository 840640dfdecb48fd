"""Raw ids (`user_id`, `item_id`, any integers) to dense 0-based indices (`user_index`, `item_index`) and back.

Models store one row per index, so every model keeps an `IdEncoder` per side, fitted on its training ratings.
"""

from __future__ import annotations

import numpy as np


class IdEncoder:
    """Maps raw ids (`user_id`, `item_id`) to dense 0-based indices (`user_index`, `item_index`) and back.

    >>> enc = IdEncoder([30, 10, 20, 10], what="item_id")
    >>> enc.transform([20, 30])
    array([1, 2])
    >>> enc.inverse([0])
    array([10])
    """

    def __init__(self, ids, what: str = "id"):
        self.ids = np.unique(np.asarray(ids, dtype=np.int64))  # sorted: index i ↔ ids[i]
        self.what = what

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"IdEncoder({self.what}: {len(self)} ids)"

    def contains(self, ids) -> np.ndarray:
        """Boolean mask: which of `ids` were seen when the encoder was fitted."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(self.ids, ids).clip(0, max(len(self.ids) - 1, 0))
        return (self.ids[pos] == ids) if len(self.ids) else np.zeros(ids.shape, bool)

    def transform(self, ids, *, unknown: str = "error") -> np.ndarray:
        """Dense indices of `ids`.

        Args:
            ids: raw ids (scalar or array-like).
            unknown: "error" raises a ValueError naming the unknown ids; "ignore" returns -1 for them.
        """
        ids = np.asarray(ids, dtype=np.int64)
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
