"""Stage `adaptation`: does labeling the sentences `stance suggest` picks adapt the model faster than random?

Simulated on the held-back real-reporting pages (see `pipeline.evaluation.adaptation`); writes the
curves to reports/adaptation.csv and the comparison to reports/adaptation.json for the report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline import config, params
from pipeline.data import labeled as data
from pipeline.data import schema
from pipeline.evaluation.adaptation import simulate
from pipeline.io.files import atomic_path, write_json


def run(root: Path) -> dict[str, Any]:
    paths = config.paths(root)
    settings = params.load(paths.params)
    the_schema = schema.load(paths.schema)
    train = data.read_prepared(paths.train, the_schema)
    real = data.read_prepared(paths.real_test, the_schema)
    table, summary = simulate(train, real, the_schema, settings.train, settings.adaptation, settings.evaluate.bootstrap)
    with atomic_path(paths.reports / "adaptation.csv", make_parents=True) as tmp:
        table.to_csv(tmp, index=False)
    write_json(paths.reports / "adaptation.json", summary)
    return summary


def main() -> None:
    s = run(config.find_root())
    if "skipped" in s:
        print(f"adaptation: skipped ({s['skipped']})")
        return
    print(
        f"adaptation: after {s['labels_added']} labels, suggest {s['suggest_mean_stance_f1']:.3f} against random "
        f"{s['random_mean_stance_f1']:.3f} (from {s['start_mean_stance_f1']:.3f}); "
        + ("suggest is ahead" if s["suggest_ahead"] else "suggest is not clearly ahead")
    )
