"""Shared fixtures: a small, valid study written to a temporary folder, to break on purpose."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import yaml


def small_survey(n: int = 40, seed: int = 7) -> pd.DataFrame:
    """A tiny survey export: id, weight, channel, wave, csat 1-5, recommend 0-10, 4 attributes."""
    rng = np.random.default_rng(seed)
    latent = rng.normal(size=n)
    rating = lambda shift: np.clip(np.round(3.5 + latent + shift + rng.normal(0, .8, n)), 1, 5)  # noqa: E731
    return pd.DataFrame({
        "rid": [f"R{i:03d}" for i in range(1, n + 1)],
        "w": np.round(rng.uniform(0.5, 1.5, n), 3),
        "channel": rng.choice(["app", "web"], n),
        "wave": rng.choice(["W1", "W2"], n),
        "sat": rating(0).astype(int),
        "rec": np.clip(np.round(7 + 2 * latent + rng.normal(0, 1, n)), 0, 10).astype(int),
        "a1": rating(0.2).astype(int),
        "a2": rating(-0.2).astype(int),
        "s1": rating(0).astype(int),
        "s2": rating(0.1).astype(int),
    })


def small_spec() -> dict:
    return {
        "title": "Small test study",
        "data": "survey.csv",
        "id": "rid",
        "weight": "w",
        "segments": ["channel"],
        "wave": "wave",
        "second_language": "zh",
        "missing_codes": {98: "dont_know", 99: "not_applicable"},
        "outcomes": {
            "csat": {"column": "sat", "kind": "csat", "scale": [1, 5], "label": "Satisfaction",
                     "label_zh": "满意度"},
            "nps": {"column": "rec", "kind": "nps", "label": "Recommend"},
        },
        "attribute_scale": [1, 5],
        "dimensions": {
            "BX": {"label": "Brand", "label_zh": "品牌",
                   "attributes": {"a1": {"label": "Promise kept", "label_zh": "承诺兑现"},
                                  "a2": {"label": "Trust"}}},
            "SX": {"label": "Service", "attributes": ["s1", "s2"]},
        },
    }


@pytest.fixture
def write_study(tmp_path):
    """write_study(frame=None, spec=None, name='study.yaml') -> path of a study file on disk."""

    def write(frame: pd.DataFrame | None = None, spec: dict | None = None,
              name: str = "study.yaml", data_name: str = "survey.csv"):
        frame = small_survey() if frame is None else frame
        spec = small_spec() if spec is None else spec
        spec = {**spec, "data": data_name}
        data_path = tmp_path / data_name
        if data_name.endswith(".csv"):
            frame.to_csv(data_path, index=False)
        elif data_name.endswith(".xlsx"):
            frame.to_excel(data_path, index=False)
        elif data_name.endswith(".parquet"):
            frame.to_parquet(data_path, index=False)
        elif data_name.endswith(".sav"):
            import pyreadstat
            pyreadstat.write_sav(frame, str(data_path))
        study_path = tmp_path / name
        study_path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False),
                              encoding="utf-8")
        return study_path

    return write
