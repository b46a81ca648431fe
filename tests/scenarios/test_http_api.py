"""Issue 18's API Gateway trigger end to end: examples/http-api deployed by
its deploy.sh with each AWS CLI on a fresh nuage, then used over plain HTTP
(the execute-api Host with urllib, the path form, and curl): notes created,
listed, read and deleted by the function behind the API, with API
Gateway's own 404 for what no route takes."""
import json
import os
import subprocess
import urllib.error
import urllib.request

import pytest

from conftest import CLI_V1, CLI_V2, client_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "http-api")


def request(server, api_id, method, path, body=None):
    req = urllib.request.Request(server.endpoint + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None)
    req.add_header("Host", f"{api_id}.execute-api.localhost:{server.port}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, res.headers, res.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.parametrize("version", [1, 2])
def test_notes_api(fresh_nuage, version):
    cli = CLI_V1 if version == 1 else CLI_V2
    if cli is None:
        pytest.skip(f"AWS CLI v{version} is not installed")
    server = fresh_nuage
    env = client_env({"ENDPOINT": server.endpoint, "REGION": "us-east-1", "AWS_CLI": cli})
    res = subprocess.run([os.path.join(EXAMPLE, "deploy.sh")], env=env, capture_output=True, text=True, timeout=180)
    assert res.returncode == 0, res.stdout + res.stderr
    api_id, url = res.stdout.strip().splitlines()[-1].split()
    assert url == f"http://{api_id}.execute-api.localhost:{server.port}"

    status, headers, body = request(server, api_id, "POST", "/notes", {"text": "buy bread"})
    assert status == 201, body
    note = json.loads(body)
    assert note["text"] == "buy bread" and headers["location"] == f"/notes/{note['id']}"
    status, _, body = request(server, api_id, "POST", "/notes", {"nope": 1})
    assert status == 400
    # A form post arrives base64-encoded, as on AWS; the handler decodes it.
    form = subprocess.run(["curl", "-s", "-d", '{"text": "as a form"}', f"{url}/notes"],
                          capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(form.stdout)["text"] == "as a form"
    curl = subprocess.run(["curl", "-s", "-H", "Content-Type: application/json", "-d", '{"text": "call mum"}',
                           f"{url}/notes"], capture_output=True, text=True, timeout=60, check=True)
    second = json.loads(curl.stdout)
    assert second["text"] == "call mum"

    with urllib.request.urlopen(f"{server.endpoint}/_nuage/execute-api/{api_id}/notes", timeout=60) as r:
        listed = json.loads(r.read())["notes"]
    assert sorted(n["text"] for n in listed) == ["as a form", "buy bread", "call mum"]
    status, _, body = request(server, api_id, "GET", f"/notes/{note['id']}")
    assert status == 200 and json.loads(body) == note
    assert request(server, api_id, "DELETE", f"/notes/{note['id']}")[0] == 204
    status, _, body = request(server, api_id, "GET", f"/notes/{note['id']}")
    assert status == 404 and json.loads(body) == {"message": f"no note {note['id']}"}
    status, _, body = request(server, api_id, "PUT", "/notes")
    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
