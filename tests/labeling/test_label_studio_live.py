"""The labeling loop through a real Label Studio: suggested tasks in, annotations submitted through its API,
its own JSON export read back by `stance import-labels`.

Runs when Label Studio is installed (`pip install label-studio`, best in its own virtual environment;
point $STANCE_LABEL_STUDIO at its `label-studio` executable if it is not on PATH). The file-level round
trips in test_import.py always run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pandas as pd
import pytest

from pipeline.cli import main

LABEL_STUDIO = os.environ.get("STANCE_LABEL_STUDIO") or shutil.which("label-studio")
pytestmark = pytest.mark.skipif(
    not LABEL_STUDIO, reason="label-studio is not installed (pip install label-studio, or set STANCE_LABEL_STUDIO)"
)
TOKEN = "stance-test-token-0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def call(self, method: str, path: str, body=None, timeout: float = 60):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Authorization", f"Token {TOKEN}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read().decode()[:1500]}") from None
        return json.loads(text) if text else None

    def wait(self, process: subprocess.Popen, log, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError("label-studio exited: " + log.read_text()[-2000:])
            try:
                self.call("GET", "/api/projects", timeout=5)
                return
            except Exception:  # not up yet
                time.sleep(1)
        raise AssertionError("label-studio did not answer: " + log.read_text()[-2000:])


@pytest.fixture
def label_studio(tmp_path):
    port = _free_port()
    data_dir = tmp_path / "ls-data"
    env = {
        **os.environ,
        "LABEL_STUDIO_USERNAME": "annotator@example.org",
        "LABEL_STUDIO_PASSWORD": "stance-test-password",
        "LABEL_STUDIO_USER_TOKEN": TOKEN,
        "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
        "LABEL_STUDIO_BASE_DATA_DIR": str(data_dir),
        "LABEL_STUDIO_DISABLE_SIGNUP_WITHOUT_LINK": "true",
    }
    log = tmp_path / "label-studio.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [LABEL_STUDIO, "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port)]
            + ["--data-dir", str(data_dir), "--username", env["LABEL_STUDIO_USERNAME"]]
            + ["--password", env["LABEL_STUDIO_PASSWORD"], "--user-token", TOKEN],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = Api(port)
    try:
        api.wait(process, log)
        yield api
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_suggested_tasks_go_through_label_studio_and_come_back_as_labeled_data(
    bare_project, classified_file, tmp_path, label_studio
):
    path, _ = classified_file
    sheet = tmp_path / "next.csv"
    assert main(["suggest", "6", "--from", str(path), "-o", str(sheet)]) == 0
    config = tmp_path / "config.xml"
    assert main(["labeling-config", "-o", str(config)]) == 0
    tasks = json.loads(sheet.with_suffix(".labelstudio.json").read_text(encoding="utf-8"))

    project = label_studio.call("POST", "/api/projects", {"title": "stance", "label_config": config.read_text()})
    label_studio.call("POST", f"/api/projects/{project['id']}/import", tasks)
    listed = label_studio.call("GET", f"/api/tasks?project={project['id']}&page_size=100")
    listed = listed["tasks"] if isinstance(listed, dict) else listed
    assert len(listed) == len(tasks)
    given = {}
    for number, task in enumerate(sorted(listed, key=lambda t: t["id"])):
        labels = {"membership_timing": "none", "aid": ["support", "oppose"][number % 2], "peace_talks": "neutral"}
        result = [
            {"from_name": t, "to_name": "text", "type": "choices", "value": {"choices": [label]}}
            for t, label in labels.items()
        ]
        result.append({"from_name": "speaker", "to_name": "text", "type": "textarea", "value": {"text": ["Jan Novak"]}})
        label_studio.call("POST", f"/api/tasks/{task['id']}/annotations", {"result": result})
        given[task["data"]["id"]] = labels

    exported = label_studio.call("GET", f"/api/projects/{project['id']}/export?exportType=JSON")
    export = tmp_path / "export.json"
    export.write_text(json.dumps(exported), encoding="utf-8")
    out = bare_project / "data" / "labeled" / "from_studio.csv"
    assert main(["import-labels", str(export), "-o", str(out)]) == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("id")
    assert set(written.index) == set(given)
    for ident, labels in given.items():
        assert written.loc[ident, list(labels)].to_dict() == labels
    # Label Studio's JSON export names the annotator by user id (an e-mail only in some exports).
    me = label_studio.call("GET", "/api/current-user/whoami")
    assert set(written["speaker"]) == {"Jan Novak"} and set(written["annotator"]) == {str(me["id"])}
    assert all(written["annotated_at"].str.match(r"\d{4}-\d{2}-\d{2}T"))
