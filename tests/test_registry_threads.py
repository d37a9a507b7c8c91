"""The rule registry loads its modules once, and a thread asking while another loads them waits
for the whole set (analysis/registry.py `_load`). The language server scans files in a thread
while its loop lints a document: a scan that saw the set half-filled put facts without their
extractors' summaries into the index (found by tests/test_server.py's pull test, flaky)."""

import subprocess
import sys

PROBE = r"""
import importlib, threading, time
import convex_lsp.analysis.registry as R
real = importlib.import_module
started = threading.Event()
def slow(name, *a, **k):
    if name.startswith("convex_lsp.analysis.rules."):
        started.set()
        time.sleep(0.01)
    return real(name, *a, **k)
R.importlib.import_module = slow
t = threading.Thread(target=R.extractors)
t.start()
started.wait(10)
seen = len(R.extractors())  # asked while the other thread imports the rule modules
t.join()
print(seen, len(R.extractors()), len(R.all_rules()))
"""


def test_a_thread_asking_while_another_loads_the_rules_gets_them_all():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    seen, total, rules = map(int, out.stdout.split())
    assert total > 5 and rules > 50
    assert seen == total
