"""SSM Parameter Store (json protocol), as seed 002's get_parameter /
put_parameter use it."""
import pytest
from botocore.exceptions import ClientError


def get_parameter(ssm, name, decrypt=True):
    """Seed 002, verbatim apart from the client."""
    response = ssm.get_parameter(Name=name, WithDecryption=decrypt)
    return response["Parameter"]["Value"]


def put_parameter(ssm, name, value, param_type="SecureString"):
    ssm.put_parameter(Name=name, Value=value, Type=param_type, Overwrite=True)


def test_seed_002_put_and_get(nuage):
    ssm = nuage.client("ssm")
    put_parameter(ssm, "/seed002/db/password", "s3cr3t")
    assert get_parameter(ssm, "/seed002/db/password") == "s3cr3t"
    hidden = get_parameter(ssm, "/seed002/db/password", decrypt=False)
    assert hidden != "s3cr3t"


def test_versions_and_overwrite(nuage):
    ssm = nuage.client("ssm")
    assert ssm.put_parameter(Name="/v/p", Value="a", Type="String")["Version"] == 1
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/v/p", Value="b", Type="String")
    assert exc.value.response["Error"]["Code"] == "ParameterAlreadyExists"
    assert ssm.put_parameter(Name="/v/p", Value="b", Overwrite=True)["Version"] == 2
    p = ssm.get_parameter(Name="/v/p")["Parameter"]
    assert (p["Value"], p["Version"], p["Type"]) == ("b", 2, "String")
    assert p["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/v/p"
    assert ssm.get_parameter(Name="/v/p:1")["Parameter"]["Value"] == "a"


def test_not_found_and_delete(nuage):
    ssm = nuage.client("ssm")
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/nope")
    assert exc.value.response["Error"]["Code"] == "ParameterNotFound"
    ssm.put_parameter(Name="/del/me", Value="x", Type="String")
    ssm.delete_parameter(Name="/del/me")
    with pytest.raises(ClientError) as exc:
        ssm.delete_parameter(Name="/del/me")
    assert exc.value.response["Error"]["Code"] == "ParameterNotFound"


def test_get_parameters_reports_invalid(nuage):
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name="/many/a", Value="1", Type="String")
    out = ssm.get_parameters(Names=["/many/a", "/many/missing"])
    assert [p["Name"] for p in out["Parameters"]] == ["/many/a"]
    assert out["InvalidParameters"] == ["/many/missing"]


def test_parameters_are_scoped_by_region(nuage):
    nuage.client("ssm", region="eu-west-1").put_parameter(Name="/regional", Value="eu", Type="String")
    with pytest.raises(ClientError):
        nuage.client("ssm", region="us-west-2").get_parameter(Name="/regional")


def test_reserved_names_are_refused(nuage):
    with pytest.raises(ClientError) as exc:
        nuage.client("ssm").put_parameter(Name="aws-thing", Value="x", Type="String")
    assert exc.value.response["Error"]["Code"] == "ValidationException"


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    name = f"/cli/v{version}"
    nuage.cli("ssm", "put-parameter", "--name", name, "--value", "hello", "--type", "String", version=version)
    out = nuage.cli("ssm", "get-parameter", "--name", name, version=version)
    assert out["Parameter"]["Value"] == "hello"
