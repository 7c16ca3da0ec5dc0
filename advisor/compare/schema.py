"""The number and name types of a saved comparison (compare.json) and its changes.

A saved run is input: pydantic checks a file against these before anything reads it.
Numbers are strict (a string is not a share) and finite; shares lie in [0, 1].
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

Share = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True, ge=0, le=10**12)]
Seconds = Annotated[float, Field(strict=True, ge=0, le=1e9, allow_inf_nan=False)]
# a cosine similarity, with room for rounding (normalised vectors give 1.0000001)
Similarity = Annotated[float, Field(strict=True, ge=-1.01, le=1.01, allow_inf_nan=False)]
Finite = Annotated[float, Field(strict=True, allow_inf_nan=False, ge=-1e12, le=1e12)]
ArmName = Annotated[str, Field(strict=True, pattern=r"^[a-z][a-z0-9_]{0,39}$")]
Money = Annotated[float, Field(strict=True, ge=0, le=1e12, allow_inf_nan=False)]
Flag = Annotated[bool, Field(strict=True)]  # "yes" is not true
