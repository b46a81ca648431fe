"""The README's list of operations is generated from the dispatch tables and
must be current."""
import os
import re
import subprocess

from conftest import NUAGE_BIN, ROOT


def test_readme_operations_are_current():
    table = subprocess.run([NUAGE_BIN, "operations"], check=True, capture_output=True, text=True).stdout
    readme = open(os.path.join(ROOT, "README.md")).read()
    section = re.search(r"<!-- operations:begin -->\n(.*?)<!-- operations:end -->", readme, re.S).group(1)
    assert section == table, "run tools/update_readme.sh"
