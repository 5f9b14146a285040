import io

from casewatch.progress import Progress


def test_progress_draws_a_bar_and_ends_the_line() -> None:
    screen = io.StringIO()
    progress = Progress(1000, "replay", stream=screen)
    progress.advance(500)
    progress._draw(progress.started + 1)
    progress.finish()
    out = screen.getvalue()
    assert " 50.0%" in out and "100.0%" in out
    assert out.endswith("\n")


def test_no_progress_bar_for_small_inputs_or_pipes() -> None:
    assert Progress.for_input(100, "replay") is None
    assert Progress.for_input(None, "replay") is None
