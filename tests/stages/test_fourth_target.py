"""A user adds a target in data/schema.yaml and labeled rows for it: nothing in the code changes."""

import json
import re

import pandas as pd
import yaml

from pipeline.stages import encoder, evaluate, prepare, train
from tests.helpers import PROJECT, copy_project, run_stance

SANCTIONS = {
    "description": "Economic sanctions on Russia.",
    "labels": [
        {"name": "support", "kind": "position", "meaning": "Keep, tighten or add sanctions on Russia."},
        {"name": "oppose", "kind": "position", "meaning": "Lift, ease or refuse sanctions on Russia."},
        {"name": "neutral", "kind": "neutral", "meaning": "About sanctions, no position."},
        {"name": "none", "kind": "off_topic", "meaning": "Not about sanctions."},
    ],
}
ABOUT_SANCTIONS = re.compile(r"sanction|price cap|frozen|freez|asset|export control|blacklist|embargo", re.I)


def test_fourth_target_trains_evaluates_and_predicts(tmp_path):
    root = copy_project(tmp_path, ("params.yaml", "dvc.yaml", "models/encoder_vocab.txt"))
    schema = yaml.safe_load((PROJECT / "data" / "schema.yaml").read_text())
    schema["targets"]["sanctions"] = SANCTIONS
    (root / "data").mkdir()
    (root / "data" / "schema.yaml").write_text(yaml.safe_dump(schema, sort_keys=False))
    labeled = root / "data" / "labeled"
    labeled.mkdir()
    # Shipped statements that do not touch sanctions are `none` on the new target.
    shipped = pd.concat(
        pd.read_csv(f, dtype=str, keep_default_na=False)
        for f in sorted((PROJECT / "data" / "labeled").glob("statements_*.csv"))
    )
    shipped = shipped[~shipped["text"].str.contains(ABOUT_SANCTIONS)].head(400).assign(sanctions="none")
    shipped.to_csv(labeled / "shipped.csv", index=False)
    fixture = pd.read_csv(PROJECT / "tests" / "fixtures" / "fourth_target.csv", dtype=str, keep_default_na=False)
    fixture.to_csv(labeled / "sanctions.csv", index=False)

    prepare.run(root)
    encoder.run(root)
    card = train.run(root)
    assert card["targets"] == ["membership_timing", "aid", "peace_talks", "sanctions"]
    assert card["encoder"]["sha256"]  # the default model, n-grams and sentence encoder, on four targets
    metrics = evaluate.run(root)
    assert set(metrics["targets"]) == {"membership_timing", "aid", "peace_talks", "sanctions"}
    assert set(metrics["targets"]["sanctions"]["per_class"]) == {"support", "oppose", "neutral", "none"}
    counts = json.loads((root / "reports" / "data_counts.json").read_text())
    assert counts["labels"]["sanctions"]["support"] == 7

    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "text": "The EU must tighten sanctions on Russian oil again."}) + "\n")
    result = run_stance("predict", str(src), "-o", "-", cwd=root)
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["sanctions"] in {"support", "oppose", "neutral", "none"}
    assert 0 < record["sanctions_confidence"] <= 1
