"""Parameter Store beyond get and put: versions and labels, history,
DescribeParameters and the parameter filters, tags, tiers, AllowedPattern,
policies on the clock, and the EventBridge events a change sends."""
import json

import pytest
from botocore.exceptions import ClientError


def code(exc):
    return exc.value.response["Error"]["Code"]


def events_to_logs(server, group, pattern):
    """An EventBridge rule delivering the events matching `pattern` to a log
    group; returns a function reading the events delivered so far."""
    events, logs = server.client("events"), server.client("logs")
    logs.create_log_group(logGroupName=group)
    arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"].rstrip(":*")
    rule = group.strip("/").replace("/", "-")
    events.put_rule(Name=rule, EventPattern=json.dumps(pattern))
    events.put_targets(Rule=rule, Targets=[{"Id": "logs", "Arn": arn}])
    return lambda: [json.loads(e["message"]) for e in logs.filter_log_events(logGroupName=group)["events"]]


def test_labels_select_versions_and_move(nuage):
    ssm = nuage.client("ssm")
    for value in ("one", "two", "three"):
        ssm.put_parameter(Name="/labels/db", Value=value, Type="String", Overwrite=True)
    out = ssm.label_parameter_version(Name="/labels/db", ParameterVersion=1, Labels=["prod", "9bad", "awsx", "ok-1"])
    assert out["ParameterVersion"] == 1
    assert sorted(out["InvalidLabels"]) == ["9bad", "awsx"]
    p = ssm.get_parameter(Name="/labels/db:prod")["Parameter"]
    assert (p["Value"], p["Version"], p["Selector"]) == ("one", 1, ":prod")
    # Labelling another version moves the label.
    ssm.label_parameter_version(Name="/labels/db", ParameterVersion=3, Labels=["prod"])
    assert ssm.get_parameter(Name="/labels/db:prod")["Parameter"]["Value"] == "three"
    history = ssm.get_parameter_history(Name="/labels/db")["Parameters"]
    assert [(h["Version"], h["Value"], h["Labels"]) for h in history] == [
        (1, "one", ["ok-1"]), (2, "two", []), (3, "three", ["prod"])]
    # Without a version: the newest.
    assert ssm.label_parameter_version(Name="/labels/db", Labels=["latest"])["ParameterVersion"] == 3
    got = ssm.get_parameters(Names=["/labels/db:latest", "/labels/db:nope", "/labels/db:2"])
    assert [p["Value"] for p in got["Parameters"]] == ["three", "two"]
    assert got["InvalidParameters"] == ["/labels/db:nope"]
    out = ssm.unlabel_parameter_version(Name="/labels/db", ParameterVersion=3, Labels=["latest", "never"])
    assert (out["RemovedLabels"], out["InvalidLabels"]) == (["latest"], ["never"])
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/labels/db:latest")
    assert code(exc) == "ParameterNotFound"


def test_version_errors_and_label_limit(nuage):
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name="/labels/limit", Value="v", Type="String")
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/labels/limit:7")
    assert code(exc) == "ParameterVersionNotFound"
    with pytest.raises(ClientError) as exc:
        ssm.label_parameter_version(Name="/labels/limit", ParameterVersion=4, Labels=["x"])
    assert code(exc) == "ParameterVersionNotFound"
    with pytest.raises(ClientError) as exc:
        ssm.label_parameter_version(Name="/labels/missing", Labels=["x"])
    assert code(exc) == "ParameterNotFound"
    ssm.label_parameter_version(Name="/labels/limit", ParameterVersion=1, Labels=[f"l{i}" for i in range(10)])
    with pytest.raises(ClientError) as exc:
        ssm.label_parameter_version(Name="/labels/limit", ParameterVersion=1, Labels=["eleventh"])
    assert code(exc) == "ParameterVersionLabelLimitExceeded"
    assert len(ssm.get_parameter_history(Name="/labels/limit")["Parameters"][0]["Labels"]) == 10


def test_a_hundred_versions_kept_and_a_labelled_oldest_blocks_the_next(nuage):
    ssm = nuage.client("ssm")
    for i in range(100):
        ssm.put_parameter(Name="/versions/many", Value=str(i), Type="String", Overwrite=True)
    ssm.label_parameter_version(Name="/versions/many", ParameterVersion=1, Labels=["first"])
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/versions/many", Value="101", Overwrite=True)
    assert code(exc) == "ParameterMaxVersionLimitExceeded"
    ssm.unlabel_parameter_version(Name="/versions/many", ParameterVersion=1, Labels=["first"])
    assert ssm.put_parameter(Name="/versions/many", Value="101", Overwrite=True)["Version"] == 101
    pages = ssm.get_paginator("get_parameter_history").paginate(Name="/versions/many", PaginationConfig={"PageSize": 30})
    versions = [p["Version"] for page in pages for p in page["Parameters"]]
    assert versions == list(range(2, 102))


def test_history_keeps_each_versions_own_metadata(nuage):
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name="/hist/p", Value="a", Type="String", Description="first")
    ssm.put_parameter(Name="/hist/p", Value="b", Type="String", Description="second", Overwrite=True)
    ssm.put_parameter(Name="/hist/s", Value="hidden", Type="SecureString")
    first, second = ssm.get_parameter_history(Name="/hist/p")["Parameters"]
    assert (first["Description"], second["Description"]) == ("first", "second")
    assert first["LastModifiedUser"].startswith("arn:aws:iam::000000000000:")
    assert first["Tier"] == "Standard" and first["DataType"] == "text"
    [secure] = ssm.get_parameter_history(Name="/hist/s")["Parameters"]
    assert secure["Value"] != "hidden" and secure["KeyId"] == "alias/aws/ssm"
    assert ssm.get_parameter_history(Name="/hist/s", WithDecryption=True)["Parameters"][0]["Value"] == "hidden"


def test_describe_parameters_with_filters(nuage):
    ssm = nuage.client("ssm", region="eu-west-3")
    ssm.put_parameter(Name="/app/prod/db", Value="x", Type="String", Tags=[{"Key": "team", "Value": "red"}])
    ssm.put_parameter(Name="/app/prod/key", Value="x", Type="SecureString")
    ssm.put_parameter(Name="/app/prod/deep/er", Value="x", Type="StringList")
    ssm.put_parameter(Name="/app/dev/db", Value="x", Type="String", Tier="Advanced", Description="dev db")
    ssm.put_parameter(Name="plain", Value="x", Type="String")

    def names(**kwargs):
        pages = ssm.get_paginator("describe_parameters").paginate(**kwargs, PaginationConfig={"PageSize": 2})
        return sorted(p["Name"] for page in pages for p in page["Parameters"])

    assert names() == ["/app/dev/db", "/app/prod/db", "/app/prod/deep/er", "/app/prod/key", "plain"]
    assert names(ParameterFilters=[{"Key": "Path", "Values": ["/app/prod"]}]) == ["/app/prod/db", "/app/prod/key"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/app"]}]) == [
        "/app/dev/db", "/app/prod/db", "/app/prod/deep/er", "/app/prod/key"]
    assert names(ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}]) == ["/app/prod/key"]
    assert names(ParameterFilters=[{"Key": "Tier", "Values": ["Advanced"]}]) == ["/app/dev/db"]
    assert names(ParameterFilters=[{"Key": "Name", "Option": "Contains", "Values": ["db"]}]) == [
        "/app/dev/db", "/app/prod/db"]
    assert names(ParameterFilters=[{"Key": "Name", "Option": "BeginsWith", "Values": ["/app/prod/d"]}]) == [
        "/app/prod/db", "/app/prod/deep/er"]
    assert names(ParameterFilters=[{"Key": "tag:team", "Values": ["red"]}]) == ["/app/prod/db"]
    assert names(ParameterFilters=[{"Key": "KeyId", "Values": ["alias/aws/ssm"]}]) == ["/app/prod/key"]
    assert names(Filters=[{"Key": "Name", "Values": ["/app/dev"]}]) == ["/app/dev/db"]
    [dev] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/app/dev/db"]}])["Parameters"]
    assert (dev["Description"], dev["Tier"], dev["Version"], dev["Type"]) == ("dev db", "Advanced", 1, "String")
    assert dev["ARN"] == "arn:aws:ssm:eu-west-3:000000000000:parameter/app/dev/db"

    bad = [
        ({"ParameterFilters": [{"Key": "Label", "Values": ["x"]}]}, "InvalidFilterKey"),
        ({"ParameterFilters": [{"Key": "Type", "Values": ["Binary"]}]}, "InvalidFilterValue"),
        ({"ParameterFilters": [{"Key": "Path", "Option": "Equals", "Values": ["/app"]}]}, "InvalidFilterOption"),
        ({"ParameterFilters": [{"Key": "Name", "Values": ["a"]}, {"Key": "Name", "Values": ["b"]}]},
         "InvalidFilterKey"),
        ({"ParameterFilters": [{"Key": "Type"}]}, "InvalidFilterValue"),
        ({"ParameterFilters": [{"Key": "Path", "Values": ["/aws/x"]}]}, "ValidationException"),
        ({"Filters": [{"Key": "Name", "Values": ["a"]}], "ParameterFilters": [{"Key": "Type", "Values": ["String"]}]},
         "ValidationException"),
    ]
    for kwargs, expected in bad:
        with pytest.raises(ClientError) as exc:
            ssm.describe_parameters(**kwargs)
        assert code(exc) == expected, kwargs


def test_get_parameters_by_path_with_filters(nuage):
    ssm = nuage.client("ssm", region="ap-south-1")
    ssm.put_parameter(Name="/svc/a", Value="a1", Type="String")
    ssm.put_parameter(Name="/svc/a", Value="a2", Type="String", Overwrite=True)
    ssm.label_parameter_version(Name="/svc/a", ParameterVersion=1, Labels=["stable"])
    ssm.put_parameter(Name="/svc/b", Value="b", Type="SecureString")
    got = ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": "Type", "Values": ["String"]}])
    assert [(p["Name"], p["Value"]) for p in got["Parameters"]] == [("/svc/a", "a2")]
    got = ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": "Label", "Values": ["stable"]}])
    assert [(p["Name"], p["Value"], p["Version"]) for p in got["Parameters"]] == [("/svc/a", "a1", 1)]
    with pytest.raises(ClientError) as exc:
        ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": "Path", "Values": ["/svc"]}])
    assert code(exc) == "InvalidFilterKey"


def test_tags(nuage):
    ssm = nuage.client("ssm")
    ssm.put_parameter(Name="/tags/p", Value="v", Type="String", Tags=[{"Key": "a", "Value": "1"}])
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tags/p",
                             Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": "3"}])
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"]
    assert sorted((t["Key"], t["Value"]) for t in tags) == [("a", "2"), ("b", "3")]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/tags/p", TagKeys=["a"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"] == [
        {"Key": "b", "Value": "3"}]
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/tags/p", Value="w", Overwrite=True, Tags=[{"Key": "c", "Value": "4"}])
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tags/none", Tags=[{"Key": "a", "Value": "1"}])
    assert code(exc) == "InvalidResourceId"
    with pytest.raises(ClientError) as exc:
        ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/tags/p",
                                 Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert code(exc) == "TooManyTagsError"
    # Overwriting keeps the tags.
    ssm.put_parameter(Name="/tags/p", Value="w", Overwrite=True)
    assert len(ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/tags/p")["TagList"]) == 1


def test_tiers_and_allowed_pattern(nuage):
    ssm = nuage.client("ssm")
    assert ssm.put_parameter(Name="/tier/big", Value="x" * 5000, Type="String",
                             Tier="Intelligent-Tiering")["Tier"] == "Advanced"
    assert ssm.put_parameter(Name="/tier/small", Value="x", Type="String", Tier="Intelligent-Tiering")["Tier"] == \
        "Standard"
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/tier/big", Value="y", Tier="Standard", Overwrite=True)
    assert code(exc) == "ValidationException" and "downgrade" in exc.value.response["Error"]["Message"]
    assert ssm.put_parameter(Name="/tier/big", Value="y", Overwrite=True)["Tier"] == "Advanced"

    ssm.put_parameter(Name="/pattern/port", Value="8080", Type="String", AllowedPattern=r"^\d+$")
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/pattern/port", Value="http", Overwrite=True)
    assert code(exc) == "ParameterPatternMismatchException"
    assert ssm.get_parameter(Name="/pattern/port")["Parameter"]["Value"] == "8080"
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/pattern/bad", Value="1", Type="String", AllowedPattern="([")
    assert code(exc) == "InvalidAllowedPatternException"


def test_name_rules(nuage):
    ssm = nuage.client("ssm")
    deep = "/" + "/".join(f"l{i}" for i in range(16))
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name=deep, Value="x", Type="String")
    assert code(exc) == "HierarchyLevelLimitExceededException"
    for bad in ("/has space", "/semi;colon", "no/leading"):
        with pytest.raises(ClientError) as exc:
            ssm.put_parameter(Name=bad, Value="x", Type="String")
        assert code(exc) == "ValidationException", bad
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/dt", Value="x", Type="String", DataType="image")
    assert code(exc) == "ValidationException"


def test_policies_expire_and_notify_on_the_clock(fresh_nuage):
    server = fresh_nuage
    ssm = server.client("ssm")
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T00:00:00Z"})
    delivered = events_to_logs(server, "/aws/events/ssm", {"source": ["aws.ssm"]})
    policies = [
        {"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2026-06-10T00:00:00.000Z"}},
        {"Type": "ExpirationNotification", "Version": "1.0", "Attributes": {"Before": "2", "Unit": "Days"}},
    ]
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/policy/p", Value="v", Type="String", Policies=json.dumps(policies))
    assert code(exc) == "ValidationException"  # policies need the advanced tier
    ssm.put_parameter(Name="/policy/p", Value="v", Type="String", Tier="Advanced", Policies=json.dumps(policies))
    ssm.put_parameter(Name="/policy/quiet", Value="v", Type="String", Tier="Advanced", Policies=json.dumps(
        [{"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "3", "Unit": "Days"}}]))
    [meta] = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/policy/p"]}])["Parameters"]
    assert sorted((p["PolicyType"], p["PolicyStatus"]) for p in meta["Policies"]) == [
        ("Expiration", "Pending"), ("ExpirationNotification", "Pending")]

    server.admin("POST", "/_nuage/clock", {"advance": "3d1h"})  # NoChange due at 3 d
    kinds = [(m["detail-type"], m["detail"].get("policy-type")) for m in delivered()]
    assert ("Parameter Store Policy Action", "NoChangeNotification") in kinds
    assert ("Parameter Store Policy Action", "ExpirationNotification") not in kinds

    server.admin("POST", "/_nuage/clock", {"advance": "4d"})  # 8 June 01:00: the notification is due
    kinds = [(m["detail-type"], m["detail"].get("policy-type")) for m in delivered()]
    assert ("Parameter Store Policy Action", "ExpirationNotification") in kinds
    assert ssm.get_parameter(Name="/policy/p")["Parameter"]["Value"] == "v"

    server.admin("POST", "/_nuage/clock", {"advance": "2d"})  # past 10 June: expired and deleted
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/policy/p")
    assert code(exc) == "ParameterNotFound"
    messages = delivered()
    assert any(m["detail-type"] == "Parameter Store Policy Action" and m["detail"]["policy-type"] == "Expiration"
               for m in messages)
    assert any(m["detail-type"] == "Parameter Store Change" and m["detail"] == {
        "operation": "Delete", "name": "/policy/p", "type": "String"} for m in messages)

    for bad, expected in [
        ([{"Type": "Vanish", "Version": "1.0", "Attributes": {}}], "InvalidPolicyTypeException"),
        ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2020-01-01T00:00:00Z"}}],
         "InvalidPolicyAttributeException"),
        ([{"Type": "NoChangeNotification", "Version": "1.0", "Attributes": {"After": "x", "Unit": "Days"}}],
         "InvalidPolicyAttributeException"),
        ([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2027-01-01T00:00:00Z"}}] * 2,
         "IncompatiblePolicyException"),
    ]:
        with pytest.raises(ClientError) as exc:
            ssm.put_parameter(Name="/policy/bad", Value="v", Type="String", Tier="Advanced", Policies=json.dumps(bad))
        assert code(exc) == expected, bad


def test_policies_survive_a_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T00:00:00Z"})
    server.client("ssm").put_parameter(
        Name="/policy/kept", Value="v", Type="String", Tier="Advanced", Policies=json.dumps(
            [{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": "2026-06-02T00:00:00Z"}}]))
    server.stop()
    server = start_nuage(data_dir=data_dir)
    server.admin("POST", "/_nuage/clock", {"freeze": True, "set": "2026-06-01T00:00:00Z"})
    ssm = server.client("ssm")
    assert ssm.get_parameter(Name="/policy/kept")["Parameter"]["Value"] == "v"
    server.admin("POST", "/_nuage/clock", {"advance": "2d"})
    with pytest.raises(ClientError):
        ssm.get_parameter(Name="/policy/kept")


def test_changes_reach_eventbridge(fresh_nuage):
    server = fresh_nuage
    ssm = server.client("ssm")
    delivered = events_to_logs(server, "/aws/events/ssm-changes", {"detail-type": ["Parameter Store Change"]})
    ssm.put_parameter(Name="/evt/p", Value="1", Type="String", Description="watched")
    ssm.put_parameter(Name="/evt/p", Value="2", Overwrite=True)
    ssm.label_parameter_version(Name="/evt/p", ParameterVersion=1, Labels=["old"])
    ssm.delete_parameter(Name="/evt/p")
    server.admin("POST", "/_nuage/clock", {"advance": "1s"})
    messages = delivered()
    assert [m["detail"]["operation"] for m in messages] == ["Create", "Update", "LabelParameterVersion", "Delete"]
    assert messages[0]["source"] == "aws.ssm"
    assert messages[0]["resources"] == ["arn:aws:ssm:us-east-1:000000000000:parameter/evt/p"]
    assert messages[0]["detail"]["description"] == "watched"


@pytest.mark.parametrize("version", [1, 2])
def test_cli_labels_history_and_describe(nuage, version):
    name = f"/cli-labels/v{version}"
    nuage.cli("ssm", "put-parameter", "--name", name, "--value", "a", "--type", "String", version=version)
    nuage.cli("ssm", "put-parameter", "--name", name, "--value", "b", "--overwrite", version=version)
    out = nuage.cli("ssm", "label-parameter-version", "--name", name, "--parameter-version", "1",
                    "--labels", "golden", version=version)
    assert out["ParameterVersion"] == 1
    assert nuage.cli("ssm", "get-parameter", "--name", f"{name}:golden", version=version)["Parameter"]["Value"] == "a"
    history = nuage.cli("ssm", "get-parameter-history", "--name", name, version=version)["Parameters"]
    assert [h["Value"] for h in history] == ["a", "b"]
    described = nuage.cli("ssm", "describe-parameters", "--parameter-filters",
                          f"Key=Name,Values={name}", version=version)["Parameters"]
    assert [(d["Name"], d["Version"]) for d in described] == [(name, 2)]


def test_secrets_manager_secrets_read_through_parameter_store(nuage):
    ssm, sm = nuage.client("ssm"), nuage.client("secretsmanager")
    secret = sm.create_secret(Name="ref/db", SecretString='{"password": "p4ss"}')
    p = ssm.get_parameter(Name="/aws/reference/secretsmanager/ref/db", WithDecryption=True)["Parameter"]
    assert (p["Type"], p["Value"], p["ARN"]) == ("SecureString", '{"password": "p4ss"}', secret["ARN"])
    source = json.loads(p["SourceResult"])
    assert source["VersionId"] == secret["VersionId"] and source["VersionStages"] == ["AWSCURRENT"]
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/aws/reference/secretsmanager/ref/db")
    assert code(exc) == "ValidationException"
    with pytest.raises(ClientError) as exc:
        ssm.get_parameter(Name="/aws/reference/secretsmanager/ref/none", WithDecryption=True)
    assert code(exc) == "ParameterNotFound"
    ssm.put_parameter(Name="/ref/plain", Value="v", Type="String")
    got = ssm.get_parameters(Names=["/ref/plain", "/aws/reference/secretsmanager/ref/db",
                                    "/aws/reference/secretsmanager/ref/none"], WithDecryption=True)
    assert sorted(p["Name"] for p in got["Parameters"]) == ["/aws/reference/secretsmanager/ref/db", "/ref/plain"]
    assert got["InvalidParameters"] == ["/aws/reference/secretsmanager/ref/none"]
    out = nuage.cli("ssm", "get-parameter", "--name", "/aws/reference/secretsmanager/ref/db", "--with-decryption",
                    version=2)
    assert out["Parameter"]["Value"] == '{"password": "p4ss"}'


def test_advanced_secure_strings_are_envelope_encrypted(nuage):
    ssm, kms = nuage.client("ssm"), nuage.client("kms")
    value = "é" * 3000  # 6,000 bytes: over what KMS encrypts at once
    ssm.put_parameter(Name="/big/secret", Value=value, Type="SecureString", Tier="Advanced")
    hidden = ssm.get_parameter(Name="/big/secret")["Parameter"]["Value"]
    assert "é" not in hidden
    assert ssm.get_parameter(Name="/big/secret", WithDecryption=True)["Parameter"]["Value"] == value
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    ssm.put_parameter(Name="/big/own-key", Value="x" * 5000, Type="SecureString", Tier="Advanced", KeyId=key)
    assert ssm.get_parameter(Name="/big/own-key", WithDecryption=True)["Parameter"]["Value"] == "x" * 5000
    kms.disable_key(KeyId=key)
    with pytest.raises(ClientError):
        ssm.get_parameter(Name="/big/own-key", WithDecryption=True)
    kms.enable_key(KeyId=key)
    assert ssm.get_parameter_history(Name="/big/own-key", WithDecryption=True)["Parameters"][0]["Value"] == "x" * 5000
