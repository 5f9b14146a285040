"""Needs and services, and oversight capacity, counted exactly on cases built by hand."""

from casewatch.analysis.needs import needs_and_services
from casewatch.analysis.oversight import oversight
from tests.support.builders import allocated, assessment, event, run

DAY = "2025-07-01T09:00:00+00:00"
LATER = "2025-09-30T09:00:00+00:00"  # past every 20-working-day referral deadline


def cohort() -> list[dict[str, object]]:
    events: list[dict[str, object]] = []
    for number in range(14):
        crn = f"X{number:06d}"
        rosh = "HIGH" if number < 3 else "LOW"
        events.append(allocated(DAY, crn=crn, rosh=rosh,
                                team="team-a" if number < 10 else "team-b"))
        # An earlier assessment with DRUGS, then the latest one: only the latest counts.
        events.append(assessment("2025-07-02T09:00:00+00:00", crn=crn, needs=["DRUGS"],
                                 rosh=rosh))
        events.append(assessment("2025-07-03T09:00:00+00:00", crn=crn,
                                 needs=["ACCOMMODATION", "ATTITUDES"], rosh=rosh))
        if number < 11:  # eleven referred, in time
            events.append(event("referral.made", "2025-07-04T09:00:00+00:00", crn,
                                referralId=f"R{number}", service="ACCOMMODATION"))
        if number < 5:  # five of them started
            events.append(event("referral.started", "2025-07-20T09:00:00+00:00", crn,
                                referralId=f"R{number}"))
    return events


def test_needs_count_the_latest_assessment_and_its_referrals_exactly() -> None:
    caseload = run(cohort(), LATER)
    assert caseload.now is not None
    rows = {row.need: row for row in needs_and_services(caseload.cases.values(), caseload.now,
                                                         disclosure=False)}
    accommodation = rows["ACCOMMODATION"]
    assert (accommodation.service, accommodation.cases, accommodation.referred,
            accommodation.started, accommodation.not_referred) == (
        "ACCOMMODATION", 14, 11, 5, 3)
    assert rows["DRUGS"].cases == 0  # an earlier assessment's need
    attitudes = rows["ATTITUDES"]
    assert attitudes.cases == 14 and attitudes.service is None and attitudes.referred is None
    controlled = {row.need: row for row in needs_and_services(caseload.cases.values(),
                                                              caseload.now)}
    assert (controlled["ACCOMMODATION"].cases, controlled["ACCOMMODATION"].referred,
            controlled["ACCOMMODATION"].started) == (15, 10, None)


def test_oversight_counts_each_team_and_manager() -> None:
    caseload = run(cohort(), LATER)
    assert caseload.now is not None
    found = oversight(caseload.cases.values(), caseload.now, disclosure=False)
    teams = {row["team"]: row for row in found["teams"]}
    assert teams["team-a"]["cases"] == 10 and teams["team-b"]["cases"] == 4
    assert teams["team-a"]["highRiskCases"] == 3 and teams["team-b"]["highRiskCases"] == 0
    # High-risk cases open I-KS-03 without a recorded oversight.
    opened = teams["team-a"]["openI-KS-03"]
    assert isinstance(opened, int) and opened >= 3 and teams["team-b"]["openI-KS-03"] == 0
    assert teams["team-a"]["practitioners"] == 1
    assert teams["team-a"]["openHighAndCriticalPerPractitioner"] == teams["team-a"][
        "openHighAndCritical"]
    (manager,) = found["managers"]
    assert manager["managerId"] == "SPO1" and manager["cases"] == 14
    # Under disclosure control team-b's 4 cases are hidden, and so is team-a's count, which
    # the PDU's total would otherwise give away.
    shown = {row["team"]: row for row in oversight(caseload.cases.values(), caseload.now)["teams"]}
    assert shown["team-b"]["cases"] is None and shown["team-a"]["cases"] is None
