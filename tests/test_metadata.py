from datetime import date

from assistant.metadata import date_to_int, enrich, extract_metadata, find_dates


def test_norwegian_dates():
    assert find_dates("vedtatt 24. januar 1996 og endret 15.06.2021, kunngjort 2021-07-01") == [
        date(1996, 1, 24), date(2021, 6, 15), date(2021, 7, 1)]
    assert date_to_int("15. juni 2021") == 20210615
    assert date_to_int("2021-06-15") == 20210615
    assert date_to_int("ukjent") is None
    assert find_dates("31.02.2021") == []


def test_extracts_body_case_and_regulation_numbers():
    found = extract_metadata("Kommunestyret i Asker behandlet PS 45/21 i møtet 15.06.2021.")
    assert found == {"case_number": "PS 45/21", "body": "Asker kommunestyre", "municipality": "Asker", "date": "2021-06-15"}
    found = extract_metadata("Fastsatt av Nore og Uvdal kommunestyre 24. januar 1996 (sak 21/1234), jf. FOR-1996-03-19-330.")
    assert found["body"] == "Nore og Uvdal kommunestyre"
    assert found["municipality"] == "Nore og Uvdal"
    assert found["case_number"] == "21/1234"
    assert found["regulation_id"] == "FOR-1996-03-19-330"
    assert found["date"] == "1996-01-24"


def test_decision_date_preferred_over_first_date():
    text = "Lov av 10. juni 1977 nr. 82. Vedtatt av Porsanger kommune 10. februar 1986."
    assert extract_metadata(text)["date"] == "1986-02-10"


def test_enrich_never_overwrites_given_fields():
    meta = enrich({"body": "Hol kommunestyre", "date": "1988-08-10"}, "Bergen bystyre vedtok 1. mai 1990.", "T", "FOR-1988-08-10-645")
    assert meta["body"] == "Hol kommunestyre"
    assert meta["municipality"] == "Hol"
    assert meta["date_int"] == 19880810
    assert meta["regulation_id"] == "FOR-1988-08-10-645"
    assert meta["doc_type"] == "forskrift"
