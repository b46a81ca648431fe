"""Lambda runtimes beyond Python: the seed-001 layer walk-through (AWS CLI v1
and v2), Node.js handlers (CommonJS, ES module, callback), and a
provided.al2023 `bootstrap` written in C++ against the Runtime API."""
import os
import shutil
import subprocess
import zipfile

import pytest

from lambda_helpers import create_python, invoke, make_role, make_zip, unique


@pytest.fixture(scope="module")
def role(nuage):
    return make_role(nuage, ["logs:*"])


def zip_dir(src, dest):
    """zip -r dest src/ (paths relative to src's parent), keeping modes."""
    base = os.path.dirname(src)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for root, _, files in os.walk(src):
            for f in files:
                full = os.path.join(root, f)
                z.write(full, os.path.relpath(full, base))


@pytest.mark.parametrize("cli", [1, 2])
def test_seed_001_layer_walk_through(nuage, role, tmp_path, cli):
    # mkdir python; "pip install" a small pure-Python package into python/
    # (written here: no PyPI), zip -r layer.zip python/
    pkg = tmp_path / "python" / "minipandas"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("def describe(values):\n    return {'count': len(values), 'sum': sum(values)}\n"
                                     "__version__ = '1.0'\n")
    layer_zip = tmp_path / "pandas_layer.zip"
    zip_dir(str(tmp_path / "python"), str(layer_zip))
    layer_name = unique("pandas-layer")
    published = nuage.cli("lambda", "publish-layer-version", "--layer-name", layer_name,
                          "--zip-file", f"fileb://{layer_zip}", "--compatible-runtimes", "python3.12",
                          version=cli)
    assert published["Version"] == 1
    assert published["LayerVersionArn"] == f"arn:aws:lambda:us-east-1:000000000000:layer:{layer_name}:1"
    assert published["CompatibleRuntimes"] == ["python3.12"]
    assert published["Content"]["CodeSize"] == layer_zip.stat().st_size

    name = create_python(nuage, role,
                         "import minipandas\n"
                         "def lambda_handler(event, context):\n"
                         "    return minipandas.describe(event['values'])\n", Runtime="python3.12")
    r, out = invoke(nuage, name, {"values": [1, 2, 3]})
    assert out["errorType"] == "Runtime.ImportModuleError"

    conf = nuage.cli("lambda", "update-function-configuration", "--function-name", name,
                     "--layers", published["LayerVersionArn"], version=cli)
    assert conf["Layers"][0]["Arn"] == published["LayerVersionArn"]
    nuage.cli("lambda", "wait", "function-updated-v2", "--function-name", name, version=cli)
    r, out = invoke(nuage, name, {"values": [1, 2, 3]})
    assert out == {"count": 3, "sum": 6}

    lam = nuage.client("lambda")
    got = lam.get_layer_version(LayerName=layer_name, VersionNumber=1)
    assert got["Content"]["CodeSha256"] == published["Content"]["CodeSha256"]
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=layer_name)["LayerVersions"]] == [1]
    assert layer_name in [l["LayerName"] for l in lam.list_layers()["Layers"]]
    assert lam.get_layer_version_by_arn(Arn=published["LayerVersionArn"])["Version"] == 1
    # A second version, then deletion of the first: the function keeps running.
    nuage.cli("lambda", "publish-layer-version", "--layer-name", layer_name,
              "--zip-file", f"fileb://{layer_zip}", version=cli)
    lam.delete_layer_version(LayerName=layer_name, VersionNumber=1)
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=layer_name)["LayerVersions"]] == [2]
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_layer_version(LayerName=layer_name, VersionNumber=1)
    assert invoke(nuage, name, {"values": [5]})[1] == {"count": 1, "sum": 5}


def test_layers_merge_at_opt_later_wins(nuage, role):
    lam = nuage.client("lambda")
    a = lam.publish_layer_version(LayerName=unique("a"), Content={"ZipFile": make_zip(
        {"python/shared.py": "WHO = 'a'\n", "python/only_a.py": "X = 1\n", "bin/tool": "#!/bin/sh\necho tool-a\n"},
        modes={"bin/tool": 0o755})})
    b = lam.publish_layer_version(LayerName=unique("b"), Content={"ZipFile": make_zip(
        {"python/shared.py": "WHO = 'b'\n"})})
    name = create_python(nuage, role,
                         "import shared, only_a, subprocess\n"
                         "def lambda_handler(e, c):\n"
                         "    return [shared.WHO, only_a.X, subprocess.check_output(['tool']).decode().strip()]\n",
                         Layers=[a["LayerVersionArn"], b["LayerVersionArn"]])
    assert invoke(nuage, name)[1] == ["b", 1, "tool-a"]
    perm = lam.add_layer_version_permission(LayerName=a["LayerArn"], VersionNumber=1, StatementId="all",
                                            Action="lambda:GetLayerVersion", Principal="*")
    assert '"Principal":"*"' in perm["Statement"]
    assert "all" in lam.get_layer_version_policy(LayerName=a["LayerArn"], VersionNumber=1)["Policy"]


# ---- Node.js ----

NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_nodejs_handlers(nuage, role):
    lam = nuage.client("lambda")
    cases = {
        "index.handler": ("index.js", "exports.handler = async (event, context) => ({ sum: event.a + event.b, "
                                      "fn: context.functionName, left: context.getRemainingTimeInMillis() > 0, "
                                      "region: process.env.AWS_REGION, task: process.env.LAMBDA_TASK_ROOT });\n"),
        "app.handler": ("app.mjs", "export const handler = async (event) => ({ sum: event.a + event.b, esm: true });\n"),
        "cb.handler": ("cb.js", "exports.handler = (event, context, callback) => { "
                                "setTimeout(() => callback(null, { sum: event.a + event.b, cb: true }), 10); };\n"),
        "fail.handler": ("fail.js", "exports.handler = async () => { throw new TypeError('nope'); };\n"),
    }
    out = {}
    for handler, (file, code) in cases.items():
        name = unique("node")
        lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=role, Handler=handler,
                            Code={"ZipFile": make_zip({file: code})})
        out[handler] = invoke(nuage, name, {"a": 2, "b": 3})
    r, body = out["index.handler"]
    assert body["sum"] == 5 and body["left"] and body["region"] == "us-east-1"
    if nuage.admin("GET", "/_nuage/health")["lambda_sandbox"] == "bubblewrap":
        assert body["task"] == "/var/task"
    assert body["fn"].startswith("node-")
    assert out["app.handler"][1] == {"sum": 5, "esm": True}
    assert out["cb.handler"][1] == {"sum": 5, "cb": True}
    r, body = out["fail.handler"]
    assert r["FunctionError"] == "Unhandled"
    assert body["errorType"] == "TypeError" and body["errorMessage"] == "nope"

    name = unique("node")
    lam.create_function(FunctionName=name, Runtime="nodejs22.x", Role=role, Handler="missing.handler",
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = async () => 1;\n"})})
    assert invoke(nuage, name)[1]["errorType"] == "Runtime.ImportModuleError"


# ---- provided.al2023: a C++ bootstrap against the Runtime API ----

BOOTSTRAP_CC = r"""
// A minimal custom runtime: GET next, answer {"echo": <event>, "id": "<request id>"}.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cstdlib>
#include <cstring>
#include <string>

static std::string api_host;
static int api_port;

static std::string http(const std::string& method, const std::string& path, const std::string& body,
                        std::string* headers) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(api_port);
  inet_pton(AF_INET, api_host.c_str(), &addr.sin_addr);
  if (connect(fd, (sockaddr*)&addr, sizeof addr) != 0) exit(1);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + api_host + "\r\nConnection: close\r\n"
                    "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  write(fd, req.data(), req.size());
  std::string resp;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) resp.append(buf, n);
  close(fd);
  size_t split = resp.find("\r\n\r\n");
  if (headers) *headers = resp.substr(0, split);
  return split == std::string::npos ? "" : resp.substr(split + 4);
}

static std::string header(const std::string& headers, const std::string& name) {
  std::string lower = headers;
  for (auto& c : lower) c = tolower(c);
  std::string key = "\r\n" + name + ": ";
  size_t p = lower.find(key);
  if (p == std::string::npos) return "";
  size_t start = p + key.size();
  return headers.substr(start, headers.find("\r\n", start) - start);
}

int main() {
  std::string api = getenv("AWS_LAMBDA_RUNTIME_API");
  api_host = api.substr(0, api.find(':'));
  api_port = atoi(api.substr(api.find(':') + 1).c_str());
  for (;;) {
    std::string headers;
    std::string event = http("GET", "/2018-06-01/runtime/invocation/next", "", &headers);
    std::string id = header(headers, "lambda-runtime-aws-request-id");
    std::string out = "{\"echo\":" + event + ",\"id\":\"" + id + "\",\"handler\":\"" + getenv("_HANDLER") + "\"}";
    http("POST", "/2018-06-01/runtime/invocation/" + id + "/response", out, nullptr);
  }
}
"""


@pytest.mark.skipif(shutil.which("g++") is None, reason="g++ is not installed")
def test_provided_al2023_cpp_bootstrap(nuage, role, tmp_path):
    src = tmp_path / "bootstrap.cc"
    src.write_text(BOOTSTRAP_CC)
    exe = tmp_path / "bootstrap"
    subprocess.run(["g++", "-O1", "-o", str(exe), str(src)], check=True, timeout=120)
    lam = nuage.client("lambda")
    name = unique("cpp")
    lam.create_function(FunctionName=name, Runtime="provided.al2023", Role=role, Handler="function.handler",
                        Code={"ZipFile": make_zip({"bootstrap": exe.read_bytes()}, modes={"bootstrap": 0o755})})
    r, out = invoke(nuage, name, {"hello": "world"})
    assert "FunctionError" not in r
    assert out == {"echo": {"hello": "world"}, "id": r["ResponseMetadata"]["RequestId"], "handler": "function.handler"}
    # Warm: the same process answers the next one.
    assert invoke(nuage, name, [1, 2])[1]["echo"] == [1, 2]
