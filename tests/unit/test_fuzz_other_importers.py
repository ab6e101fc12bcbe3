"""The fuzz harness (tests/fuzzing.py) on the contacts (vCard, Outlook CSV, Google CSV) and hours CSV
importers: mutated sample files never raise an uncaught exception; a refusal is one clear line and leaves
the database unchanged (both importers are all-or-nothing).

Example counts (derandomized): 40 mutated contact files, 30 mutated hours files. Total: 70 examples.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzzing import check_importer, fuzz_settings, mutated_bytes

pytestmark = pytest.mark.property  # `make proof`: random seeds, ten times the examples

CONTACT_FILES = ("contacts-google.csv", "contacts-iphone.vcf", "contacts-outlook-21.vcf", "contacts-outlook-ansi.csv")


@pytest.fixture
def pristine(demo_ctx, tmp_path):
    from partnerdesk.services.backup import copy_database

    return copy_database(demo_ctx.paths.db_path, tmp_path / "pristine.sqlite3")


@pytest.mark.slow
def test_mutated_contact_files(demo_ctx, samples, pristine, tmp_path):
    originals = [(samples / n).read_bytes() for n in CONTACT_FILES]

    @fuzz_settings(40)
    @given(choice=st.integers(0, len(originals) - 1), data=st.data())
    def run(choice, data):
        content = data.draw(mutated_bytes(originals[choice]))
        check_importer(lambda p: demo_ctx.services.directory.import_file(p), demo_ctx.paths.db_path, content,
                       tmp_path, CONTACT_FILES[choice], pristine)

    run()


@pytest.mark.slow
def test_mutated_hours_files(demo_ctx, samples, pristine, tmp_path):
    original = (samples / "hours-2026.csv").read_bytes()

    @fuzz_settings(30)
    @given(content=mutated_bytes(original))
    def run(content):
        check_importer(lambda p: demo_ctx.services.hours_import.import_file(p), demo_ctx.paths.db_path, content,
                       tmp_path, "hours-2026.csv", pristine)

    run()
