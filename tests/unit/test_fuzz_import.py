"""Fuzzed input for the JSON importer: mutated exports (structure and bytes) and mutated sample files never
raise an uncaught exception; a rejected file is one clear line and leaves the database unchanged.

Example counts (derandomized, so every run is the same): 80 structural JSON mutations into an empty
database, 50 byte-level mutations of the export, 40 sample files (mutated or not) handed to the JSON
importer, 15 structural mutations merged into the demo region, 60 exports with hostile values (binary data
in text, control characters, 5,000-character codes, naive time stamps, dates out of range, 2^70 and
5,000-digit integers, nesting thousands deep) spliced in anywhere. Total: 245 examples.
"""

from __future__ import annotations

import json
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import check_importer, db_digest, fuzz_settings, hostile_json, mutated_bytes, mutated_json

pytestmark = pytest.mark.property  # `make proof`: random seeds, ten times the examples

SAMPLE_FILES = ("contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf",
                "contacts-outlook-ansi.csv", "hours-2026.csv")


@pytest.fixture
def small_export(tmp_path):
    """A small but complete export: two agencies, a contact, an agreement with a rate, two favours."""
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    db = Database(tmp_path / "source.sqlite3", Actor("fuzz", "Fuzz"))
    s = Services(db)
    s.agreements.ensure_default_categories()
    s.agencies.create(name="City of Lynnwood", code="LYN", is_home=True)
    s.agencies.create(name="City of Edmonds", code="EDM")
    s.contacts.create(agency="EDM", name="Pat Example", email="pat@edmonds.example.gov", work_phone="425-555-0101",
                      personal_phone="425-555-0199", skills=["Cisco"])
    s.agreements.create(parties=[("LYN", "provider"), ("EDM", "recipient")], number="ILA-1", title="IT help",
                        kind="reciprocal", effective_date="2026-01-01")
    s.agreements.add_rate("ILA-1", effective_from="2026-01-01", hourly_rate_cents=9500)
    s.hours.log(partner="EDM", direction="given", work_date="2026-03-02", hours="2")
    s.hours.log(partner="EDM", direction="received", work_date="2026-03-03", hours="1.5", after_hours=True)
    path = tmp_path / "export.json"
    s.interchange.export_json(path, include_personal=True)
    db.close()
    return json.loads(path.read_text())


@pytest.fixture
def empty_target(tmp_path):
    """A second, empty, migrated database to import into, and a pristine copy to reset it from."""
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services
    from partnerdesk.services.backup import copy_database

    db = Database(tmp_path / "target.sqlite3", Actor("fuzz", "Fuzz"))
    services = Services(db)  # no default categories: open_context's would make it "not empty" for import
    pristine = copy_database(db.path, tmp_path / "pristine.sqlite3")
    yield db, services, pristine
    db.close()


def test_the_unmutated_export_imports(small_export, empty_target, tmp_path):
    db, services, pristine = empty_target
    data = json.dumps(small_export).encode()
    assert check_importer(lambda p: services.interchange.import_json(p), db.path, data, tmp_path,
                          pristine=pristine) == "ok"


@pytest.mark.slow
def test_structural_mutations_of_an_export(small_export, empty_target, tmp_path):
    db, services, pristine = empty_target
    outcomes = []

    @fuzz_settings(80)
    @given(data=mutated_json(small_export), merge=st.booleans())
    def run(data, merge):
        outcomes.append(check_importer(lambda p: services.interchange.import_json(p, merge=merge), db.path, data,
                                       tmp_path, "export.json", pristine))

    run()
    assert "rejected" in outcomes and len(outcomes) >= 60


def test_byte_mutations_of_an_export(small_export, empty_target, tmp_path):
    db, services, pristine = empty_target
    original = json.dumps(small_export, indent=1).encode()

    @fuzz_settings(50)
    @given(data=mutated_bytes(original))
    def run(data):
        check_importer(lambda p: services.interchange.import_json(p), db.path, data, tmp_path, "export.json",
                       pristine)

    run()


def test_sample_files_and_their_mutations_are_refused_by_the_json_importer(empty_target, samples, tmp_path):
    db, services, pristine = empty_target
    originals = [(samples / n).read_bytes() for n in SAMPLE_FILES]

    @fuzz_settings(40)
    @given(choice=st.integers(0, len(originals) - 1), mutate=st.booleans(), seed=st.data())
    def run(choice, mutate, seed):
        data = originals[choice]
        if mutate:
            data = seed.draw(mutated_bytes(data))
        assert check_importer(lambda p: services.interchange.import_json(p), db.path, data, tmp_path,
                              SAMPLE_FILES[choice], pristine) == "rejected"

    run()


@pytest.mark.slow
def test_merge_mutations_into_the_demo_region_leave_it_unchanged_on_failure(demo_ctx, small_export, tmp_path):
    from partnerdesk.services.backup import copy_database

    # the small export's agencies clash with the demo's codes: most merges fail, and must change nothing
    pristine = copy_database(demo_ctx.paths.db_path, tmp_path / "demo-pristine.sqlite3")
    before = db_digest(demo_ctx.paths.db_path)

    @fuzz_settings(15)
    @given(data=mutated_json(small_export))
    def run(data):
        check_importer(lambda p: demo_ctx.services.interchange.import_json(p, merge=True), demo_ctx.paths.db_path,
                       data, tmp_path, "export.json", pristine)

    run()
    shutil.copy(pristine, tmp_path / "unused")  # the pristine copy stayed readable throughout
    assert db_digest(demo_ctx.paths.db_path) == before


def test_default_export_withholds_personal_numbers_from_the_audit_trail(small_export, tmp_path):
    text = json.dumps(small_export)  # exported with include_personal=True: the number is there
    assert "425-555-0199" in text
    from partnerdesk.db.capture import Actor
    from partnerdesk.db.uow import Database
    from partnerdesk.container import Services

    db = Database(tmp_path / "source.sqlite3", Actor("fuzz", "Fuzz"))
    default = json.dumps(Services(db).interchange.export_data())
    db.close()
    assert "425-555-0199" not in default and "personal number withheld" in default


def test_hostile_values_anywhere_in_an_export(small_export, empty_target, tmp_path):
    db, services, pristine = empty_target
    outcomes = []

    @fuzz_settings(60)
    @given(data=hostile_json(small_export), merge=st.booleans())
    def run(data, merge):
        outcomes.append(check_importer(lambda p: services.interchange.import_json(p, merge=merge), db.path, data,
                                       tmp_path, "export.json", pristine))

    run()
    assert outcomes.count("rejected") >= 40, outcomes
