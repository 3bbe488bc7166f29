"""What a run prints goes to its log and claimcheck's progress, not between the lines of the terminal report."""

from __future__ import annotations

import logging
import sys
import warnings
from pathlib import Path

import pytest

from claimcheck.experiments import Requirements, RunContext, ScaleSpec, define_experiment
from claimcheck.models import ClaimRegistry, ExperimentOutput, Measurement
from claimcheck.plugins import ExperimentRegistry
from claimcheck.run_output import routed_output, run_log
from claimcheck.verify import SilentReporter, verify


@define_experiment("outputtest.noisy", paper="0", scales={"smoke": ScaleSpec(requirements=Requirements(minutes=0))})
def noisy(ctx: RunContext) -> ExperimentOutput:
    """Prints, warns, logs and draws a progress bar, as libraries and experiments do."""
    from tqdm import tqdm

    print("stdout line from the experiment")
    print("[noisy] evaluate done at 1 s", file=sys.stderr)
    warnings.warn("a library's deprecation warning", DeprecationWarning, stacklevel=1)
    logging.getLogger("somelib").warning("a library's log warning")  # no handler: logging's last resort, stderr
    handler = logging.StreamHandler()  # a library that sets up its own handler while the run imports it
    logging.getLogger("otherlib").addHandler(handler)
    logging.getLogger("otherlib").warning("another library's log line")
    logging.getLogger("otherlib").removeHandler(handler)
    for _ in tqdm(range(3), desc="Encoding", mininterval=0):
        pass
    return ExperimentOutput(measurements=[Measurement(dataset="d", metric="nDCG@10", value=0.5)])


class Notes(SilentReporter):
    def __init__(self) -> None:
        self.lines: list[str] = []

    def note(self, line: str) -> None:
        self.lines.append(line)


def test_a_runs_prints_warnings_and_bars_reach_its_log_and_the_progress_not_the_terminal(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # as outside pytest, which catches warnings and log records itself: a warning shown on sys.stderr as Python shows
    # it (pytest's recorder replaced that), no root handler
    def show(message, category, filename, lineno, file=None, line=None) -> None:
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    monkeypatch.setattr(warnings, "showwarning", show)
    monkeypatch.setattr(logging.root, "handlers", [])
    warnings.simplefilter("always")
    notes = Notes()
    out = verify(ClaimRegistry(), scale="smoke", experiments=ExperimentRegistry([noisy]), reporter=notes)
    printed = capfd.readouterr()
    assert out.runs[0].record.status == "ok"
    assert printed.out == "" and printed.err == ""
    log = run_log(out.runs[0].group.key).read_text()
    for text in ("stdout line", "evaluate done at 1 s", "deprecation warning", "a library's log warning",
                 "another library's log line"):  # fmt: skip
        assert text in log
    bar = [line for line in log.splitlines() if line.startswith("Encoding")]
    assert len(bar) == 1 and "3/3" in bar[0]  # a bar's last state only
    assert "[noisy] evaluate done at 1 s" in notes.lines and any(n.startswith("Encoding") for n in notes.lines)


@pytest.mark.slow
def test_transformers_loading_bars_are_off_inside_and_restored_after(tmp_path: Path, capfd) -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=8)  # fmt: skip
    transformers.BertModel(config).save_pretrained(tmp_path / "tiny")
    capfd.readouterr()
    lines: list[str] = []
    with routed_output(tmp_path / "run.log", lines.append):
        transformers.BertModel.from_pretrained(tmp_path / "tiny")
        assert not transformers.utils.logging.is_progress_bar_enabled()
    assert "Loading weights" not in capfd.readouterr().err
    assert transformers.utils.logging.is_progress_bar_enabled()  # as the process had it
    transformers.BertModel.from_pretrained(tmp_path / "tiny")
    assert "Loading weights" in capfd.readouterr().err  # the control: outside, transformers draws its bar
