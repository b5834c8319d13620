"""Figure JSON → numbers. plotly ≥ 6 writes numpy arrays as {"dtype", "bdata" (base64), "shape"}."""
import base64

import numpy as np


def array(value) -> np.ndarray:
    """A figure field (plain list or plotly's base64 form) as a numpy array."""
    if isinstance(value, dict) and "bdata" in value:
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if isinstance(shape, str):
            shape = [int(n) for n in shape.split(",")]
        return flat.reshape(shape) if shape else flat
    return np.array(value, dtype=float)
