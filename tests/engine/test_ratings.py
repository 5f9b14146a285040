"""Key questions, ratings and score (SPEC §6)."""

from datetime import date

import pytest

from casewatch.engine.ratings import StandardResult, answer_case, in_cohort, rate
from casewatch.replay.report import Cohort, EventTally, build_report
from casewatch.schemas.codes import Question, Rating
from tests.support.builders import allocated, assessment, at, contact, plan, review, run

ALLOCATION = at("2025-07-01")


@pytest.mark.parametrize(
    ("ratio", "rating", "score"),
    [(1.0, Rating.OUTSTANDING, 3), (0.8, Rating.OUTSTANDING, 3), (0.79, Rating.GOOD, 2),
     (0.65, Rating.GOOD, 2), (0.649, Rating.REQUIRES_IMPROVEMENT, 1),
     (0.5, Rating.REQUIRES_IMPROVEMENT, 1), (0.499, Rating.INADEQUATE, 0),
     (0.0, Rating.INADEQUATE, 0), (None, None, None)],
)
def test_rating_bands(ratio: float | None, rating: Rating | None, score: int | None) -> None:
    result = StandardResult("2.1", ratio)
    assert (result.rating, result.score) == (rating, score)


def test_exact_band_edges_from_real_counts() -> None:
    # 13 of 20 is exactly 65%: Good, not Requires improvement.
    assert StandardResult("2.1", 13 / 20).rating == Rating.GOOD
    assert StandardResult("2.1", 4 / 5).rating == Rating.OUTSTANDING


def good_case(crn: str, pdu: str = "pdu-a") -> list[dict[str, object]]:
    return [
        allocated(ALLOCATION, crn=crn, pdu=pdu),
        contact(at("2025-07-02"), "INDUCTION", crn=crn),
        assessment(at("2025-07-03"), crn=crn),
        plan(at("2025-07-04"), crn=crn),
        event_enquiry(crn, "POLICE_DOMESTIC_ABUSE"),
        event_enquiry(crn, "CHILDRENS_SERVICES"),
    ]


def event_enquiry(crn: str, agency: str) -> dict[str, object]:
    from tests.support.builders import enquiry

    return enquiry(at("2025-07-02"), agency, f"{crn}-{agency}", crn=crn)


def test_scope_follows_the_case_history() -> None:
    caseload = run(good_case("A000001"), at("2025-07-10"))
    answers = answer_case(caseload.cases["A000001"], caseload.now, caseload.policy)  # type: ignore[arg-type]
    assert answers is not None
    standards = {standard for standard, _ in answers.answers}
    assert standards == {"2.1", "2.2"}  # not yet 20 working days, no review or intelligence
    later = run([*good_case("A000001"), review(at("2025-08-01"), crn="A000001")],
                at("2025-08-02"))
    answers = answer_case(later.cases["A000001"], later.now, later.policy)  # type: ignore[arg-type]
    assert answers is not None
    assert {s for s, _ in answers.answers} == {"2.1", "2.2", "2.3", "2.4"}


def test_a_breach_makes_its_key_question_no_for_that_case() -> None:
    events = good_case("A000001") + good_case("B000002")
    events.append(assessment(at("2025-07-05"), crn="B000002", personInvolved=False))
    caseload = run(events, at("2025-07-10"))
    ratings = rate(a for c in caseload.cases.values()
                   if (a := answer_case(c, caseload.now, caseload.policy)))  # type: ignore[arg-type]
    engaging = next(kq for kq in ratings.key_questions
                    if (kq.standard, kq.question) == ("2.1", Question.ENGAGING))
    assert (engaging.yes, engaging.no, engaging.ratio) == (1, 1, 0.5)
    assessment_standard = ratings.standards[0]
    assert (assessment_standard.rating, assessment_standard.score) == (
        Rating.REQUIRES_IMPROVEMENT, 1)
    assert ratings.standards[2].rating is None  # 2.3 not in scope yet
    assert (ratings.score, ratings.max_score) == (3 + 1, 6)  # 2.2 outstanding, 2.1 RI


def test_report_has_twelve_key_questions_four_standards_and_per_pdu_results() -> None:
    events = good_case("A000001", "pdu-a") + good_case("B000002", "pdu-b")
    report = build_report(run(events, at("2025-09-01")), EventTally(), Cohort())
    assert len(report["keyQuestions"]) == 12
    assert [s["standard"] for s in report["standards"]] == ["2.1", "2.2", "2.3", "2.4"]
    assert set(report["pdus"]) == {"pdu-a", "pdu-b"}
    assert sum(kq["yes"] + kq["no"] for kq in report["pdus"]["pdu-a"]["keyQuestions"]) == sum(
        kq["yes"] + kq["no"] for kq in report["pdus"]["pdu-b"]["keyQuestions"])


def test_cohort_selects_cases_by_london_allocation_date() -> None:
    events = [allocated(at("2025-07-01", 0, 30), crn="A000001"),  # 23:30Z on 30 June
              allocated(at("2025-07-08"), crn="B000002")]
    caseload = run(events, at("2025-07-10"))
    first, last = date(2025, 7, 1), date(2025, 7, 7)
    selected = [c.crn for c in caseload.cases.values() if in_cohort(c, first, last)]
    assert selected == ["A000001"]
    report = build_report(caseload, EventTally(), Cohort(first, last))
    assert {a["crn"] for a in report["alerts"]} <= {"A000001"}
