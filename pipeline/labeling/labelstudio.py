"""Label Studio: the labeling configuration from the schema, tasks from suggestions, and reading exports.

Label Studio (https://labelstud.io) is the open-source labeling tool most annotation teams already run.
The configuration has one single-choice group per target, each choice with the schema's meaning as its
hint, the sentence shown between its neighbours, and a free-text box for who holds the position. Tasks
carry the model's guess as a pre-annotation, so annotators correct rather than start from nothing.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import quoteattr

from pipeline import StanceError
from pipeline.data.schema import Schema

TEXT = "text"
SPEAKER = "speaker"


def config(schema: Schema) -> str:
    """The labeling configuration (XML) for every target of `schema`."""
    parts = [
        "<View>",
        '  <Header value="Before"/>',
        '  <Text name="previous_text" value="$previous_text" granularity="paragraph"/>',
        '  <Header value="Label this sentence"/>',
        f'  <Text name="{TEXT}" value="$text"/>',
        '  <Header value="After"/>',
        '  <Text name="next_text" value="$next_text" granularity="paragraph"/>',
        '  <Header value="Outlet, date and page"/>',
        '  <Text name="source" value="$source"/>',
        '  <Text name="date" value="$date"/>',
        '  <Text name="url" value="$url"/>',
    ]
    for target in schema.targets:
        parts.append(f"  <Header value={quoteattr(f'{target.name}: {target.description}')}/>")
        parts.append(f'  <Choices name="{target.name}" toName="{TEXT}" choice="single" required="true">')
        for label in target.labels:
            parts.append(f"    <Choice value={quoteattr(label.name)} hint={quoteattr(label.meaning)}/>")
        parts.append("  </Choices>")
    parts += [
        '  <Header value="Who holds the position (as the article names them; leave empty for the author)"/>',
        f'  <TextArea name="{SPEAKER}" toName="{TEXT}" maxSubmissions="1" editable="true"/>',
        "</View>",
    ]
    return "\n".join(parts) + "\n"


def tasks(rows: list[dict[str, Any]], targets: list[str], model_version: str) -> list[dict[str, Any]]:
    """Label Studio tasks, one per suggested sentence, with the model's labels as a prediction."""
    out = []
    for row in rows:
        data = {k: ("" if v is None else v) for k, v in row.items() if k not in targets and k != SPEAKER}
        result = [
            {"from_name": t, "to_name": TEXT, "type": "choices", "value": {"choices": [row[f"model_{t}"]]}}
            for t in targets
            if row.get(f"model_{t}") not in (None, "", "uncertain")
        ]
        out.append(
            {
                "data": data,
                "predictions": [{"model_version": model_version, "score": 1 - row["uncertainty"], "result": result}],
            }
        )
    return out


def read_export(tasks_json: Any, targets: list[str], where: str) -> list[dict[str, Any]]:
    """Rows from a Label Studio JSON export: each task's latest annotation that was not cancelled.

    Returns one dict per annotated task with the task's data, each target's label, the speaker text and
    who annotated when (`annotator`, `annotated_at`); tasks nobody annotated are left out.
    """
    if not isinstance(tasks_json, list):
        raise StanceError(f"{where}: not a Label Studio JSON export (expected a list of tasks)")
    out = []
    for number, task in enumerate(tasks_json, start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise StanceError(f"{where}: task {number} is not a Label Studio task (no data)")
        done = [a for a in task.get("annotations") or [] if isinstance(a, dict) and not a.get("was_cancelled")]
        if not done:
            continue
        latest = max(done, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
        row = {**task["data"], "_task": task.get("id", number)}
        for item in latest.get("result") or []:
            name, value = item.get("from_name"), item.get("value") or {}
            if name in targets and value.get("choices"):
                row[name] = value["choices"][0]
            elif name == SPEAKER and value.get("text"):
                row[SPEAKER] = " ".join(value["text"]).strip()
        who = latest.get("completed_by")  # a user id in Label Studio's JSON export; a dict in some others
        row["annotator"] = who.get("email", who.get("id")) if isinstance(who, dict) else who
        row["annotated_at"] = latest.get("created_at") or ""
        out.append(row)
    return out
