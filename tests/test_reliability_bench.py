"""bench/hostile.py (the adversarial scenarios of bench/fuzz_server.py's long run) keeps working:
its quick scenarios run here; the long ones (Ctrl-C at 20 moments, the live server) are covered
by tests/test_reliability_writes.py and tests/test_reliability_lifecycle.py."""

from __future__ import annotations

import pytest

from bench import hostile as H

QUICK = [name for name, _ in H.SCENARIOS if name.startswith("check:") or "symlinks" in name]


@pytest.mark.parametrize("name", QUICK)
def test_hostile_scenario(tmp_path, name):
    rows = H.run_all(str(tmp_path), only=lambda n: n == name)
    assert [r["scenario"] for r in rows] == [name]
    assert rows[0]["ok"], rows[0]["note"]
