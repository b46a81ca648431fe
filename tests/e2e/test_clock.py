"""The nuage clock: show, set, advance, freeze, resume — over HTTP and the CLI."""
import datetime
import json
import subprocess

from conftest import NUAGE_BIN


def parse(ts):
    return datetime.datetime.fromisoformat(ts.replace("Z", "+00:00"))


def test_clock_http(fresh_nuage):
    state = fresh_nuage.admin("GET", "/_nuage/clock")
    assert state["frozen"] is False
    state = fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-03-28T21:59:00Z"})
    assert state["frozen"] is True and state["now"] == "2026-03-28T21:59:00.000Z"
    state = fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "1h30m"})
    assert state["now"] == "2026-03-28T23:29:00.000Z"
    state = fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 60})
    assert state["now"] == "2026-03-28T23:30:00.000Z"
    state = fresh_nuage.admin("POST", "/_nuage/clock", {"resume": True})
    assert state["frozen"] is False
    assert parse(state["now"]) >= parse("2026-03-28T23:30:00Z")


def test_clock_bad_input(fresh_nuage):
    import urllib.error
    import pytest
    for body in ({"advance": "soon"}, {"set": "yesterday"}, {"advance": -5}):
        with pytest.raises(urllib.error.HTTPError) as exc:
            fresh_nuage.admin("POST", "/_nuage/clock", body)
        assert exc.value.code == 400


def test_clock_cli(fresh_nuage):
    def run(*args):
        out = subprocess.run([NUAGE_BIN, "clock", *args, "--endpoint", fresh_nuage.endpoint],
                             capture_output=True, text=True, check=True)
        return json.loads(out.stdout)
    run("freeze")
    assert run("set", "2027-01-01T00:00:00Z")["now"] == "2027-01-01T00:00:00.000Z"
    assert run("advance", "3d")["now"] == "2027-01-04T00:00:00.000Z"
    assert run("show")["frozen"] is True
    assert run("resume")["frozen"] is False


def test_signatures_use_real_time_while_clock_moves(fresh_nuage):
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": "30d"})
    assert fresh_nuage.client("sts").get_caller_identity()["Account"] == "000000000000"


def test_clock_setting_survives_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2030-01-01T00:00:00Z"})
    server.stop()
    server = start_nuage(data_dir=data_dir)
    state = server.admin("GET", "/_nuage/clock")
    assert state == {"now": "2030-01-01T00:00:00.000Z", "frozen": True, "offset_seconds": state["offset_seconds"]}
    server.admin("POST", "/_nuage/reset")
    assert server.admin("GET", "/_nuage/clock")["frozen"] is False
