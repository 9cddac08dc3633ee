"""make bench puts its summary into README between two markers, and nothing else."""
import json
from pathlib import Path

import pytest

from bench import report

pytestmark = pytest.mark.unit

COMMITTED = Path(__file__).resolve().parent.parent / "results" / "latest.json"


def test_the_summary_replaces_what_is_between_the_markers_only(tmp_path):
    data = json.loads(COMMITTED.read_text())
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\nbefore\n{report.README_START}\nstale table\n{report.README_END}\nafter\n")
    report.update_readme(readme, data)
    text = readme.read_text()
    assert text.startswith("# Title\n\nbefore\n" + report.README_START + "\n")
    assert text.endswith(report.README_END + "\nafter\n") and "stale table" not in text
    assert "| GET /healthz (framework floor) | 1 |" in text and "#### Targets" in text
    report.update_readme(readme, data)
    assert readme.read_text() == text  # a second run changes nothing


def test_a_readme_without_the_markers_is_refused_untouched(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n")
    with pytest.raises(SystemExit, match="markers"):
        report.update_readme(readme, json.loads(COMMITTED.read_text()))
    assert readme.read_text() == "# Title\n"


def test_the_committed_readme_has_the_markers_around_the_committed_run():
    text = (COMMITTED.parent.parent.parent / "README.md").read_text()
    part = text[text.index(report.README_START) : text.index(report.README_END)]
    assert json.loads(COMMITTED.read_text())["run_id"] in part
