"""Seed 003 end to end: security groups that heal themselves
(examples/sg-remediation).

A web group open on 443 only exists before deploy.sh (AWS CLI only) sets up
the bucket, the roles, the configuration recorder and delivery channel, the
remediation function and the custom rule sg-desired-ingress. Port 22 is then
opened to the world: AWS Config records the change, invokes the function,
which revokes it; the desired rule removed comes back the same way. The
group's compliance history reads NON_COMPLIANT then COMPLIANT, its
configuration history shows every change (the function's own included), and
the delivery channel's bucket holds the history and snapshot files. For the
Python handler and for the C++ provided.al2023 bootstrap."""
import gzip
import json
import os
import subprocess

import pytest

from conftest import CLI_V1, CLI_V2, client_env

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "examples", "sg-remediation")
SG = "AWS::EC2::SecurityGroup"
WORLD = "0.0.0.0/0"


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def settle(server):
    clock(server, advance="1s")


def ingress(ec2, gid):
    g = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    return sorted((p["IpProtocol"], p["FromPort"], r["CidrIp"]) for p in g["IpPermissions"] for r in p["IpRanges"])


def forward_history(cfg, rtype, rid):
    items, token = [], None
    for _ in range(50):
        args = dict(resourceType=rtype, resourceId=rid, chronologicalOrder="Forward")
        if token:
            args["nextToken"] = token
        r = cfg.get_resource_config_history(**args)
        items += r["configurationItems"]
        token = r.get("nextToken")
        if not token:
            return items
    return items


@pytest.fixture(scope="module")
def cpp_zip():
    subprocess.run([os.path.join(EXAMPLE, "cpp", "build.sh")], check=True, capture_output=True, timeout=180)


@pytest.mark.parametrize("flavor", ["python", "cpp"])
def test_seed_003_security_groups_heal_themselves(start_nuage, flavor, request):
    if flavor == "cpp":
        request.getfixturevalue("cpp_zip")
    cli = CLI_V1 or CLI_V2
    if cli is None:
        pytest.skip("no AWS CLI")
    server = start_nuage()
    ec2, cfg, lam, s3 = (server.client(s) for s in ("ec2", "config", "lambda", "s3"))
    gid = ec2.create_security_group(GroupName="web", Description="web servers")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp=WORLD)

    env = client_env({"ENDPOINT": server.endpoint, "REGION": "us-east-1", "AWS_CLI": cli,
                      "DESIRED_INGRESS": "tcp:443:0.0.0.0/0"})
    args = [os.path.join(EXAMPLE, "deploy.sh")] + (["--cpp"] if flavor == "cpp" else [])
    res = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    settle(server)

    fn = lam.get_function(FunctionName="sg-remediation")["Configuration"]
    assert fn["Runtime"] == ("provided.al2023" if flavor == "cpp" else "python3.13")
    policy = json.loads(lam.get_policy(FunctionName="sg-remediation")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"Service": "config.amazonaws.com"}
    rule = cfg.describe_config_rules(ConfigRuleNames=["sg-desired-ingress"])["ConfigRules"][0]
    assert rule["Source"]["SourceIdentifier"] == fn["FunctionArn"]
    assert cfg.describe_configuration_recorder_status()["ConfigurationRecordersStatus"][0]["recording"] is True
    # The rule's first evaluation: the web group is already as desired.
    assert ingress(ec2, gid) == [("tcp", 443, WORLD)]

    # Port 22 opened to the world is closed again.
    ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp=WORLD)
    settle(server)
    assert ingress(ec2, gid) == [("tcp", 443, WORLD)]
    # The desired rule removed comes back.
    ec2.revoke_security_group_ingress(GroupId=gid, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp=WORLD)
    settle(server)
    assert ingress(ec2, gid) == [("tcp", 443, WORLD)]
    # Through the CLI too (both versions when installed).
    for version, port in ((1, 3389), (2, 8080)):
        if (CLI_V1 if version == 1 else CLI_V2) is None:
            continue
        server.cli("ec2", "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp",
                   "--port", str(port), "--cidr", WORLD, version=version)
        settle(server)
        assert ingress(ec2, gid) == [("tcp", 443, WORLD)], version

    # Compliance: NON_COMPLIANT when the function acted, COMPLIANT once healed.
    result = cfg.get_compliance_details_by_resource(ResourceType=SG, ResourceId=gid)["EvaluationResults"][0]
    assert result["ComplianceType"] == "COMPLIANT"
    verdicts = [json.loads(i["configuration"])["complianceType"]
                for i in forward_history(cfg, "AWS::Config::ResourceCompliance", f"{SG}/{gid}")]
    assert "NON_COMPLIANT" in verdicts and verdicts[-1] == "COMPLIANT"
    assert verdicts.index("NON_COMPLIANT") < len(verdicts) - 1
    logs = server.client("logs").filter_log_events(logGroupName="/aws/lambda/sg-remediation")["events"]
    said = [e["message"] for e in logs if e["message"].startswith(gid)]
    assert any("NON_COMPLIANT" in m and "revoked tcp/22 from 0.0.0.0/0" in m for m in said)
    assert any("authorized tcp/443 from 0.0.0.0/0" in m for m in said)

    # The configuration history: every change, the function's included.
    items = forward_history(cfg, SG, gid)
    assert items[0]["configurationItemStatus"] == "ResourceDiscovered"
    assert all(i["configurationItemStatus"] == "OK" for i in items[1:])
    ports = [sorted(p["fromPort"] for p in json.loads(i["configuration"])["ipPermissions"]) for i in items]
    assert ports[0] == [443]
    for opened in ([22, 443], [443], [], [443, 3389]):
        if opened == [443, 3389] and CLI_V1 is None:
            continue
        assert opened in ports, opened
    assert ports[-1] == [443]

    # The delivery channel's bucket: history files every six hours, a snapshot on demand.
    clock(server, advance="6h")
    cfg.deliver_config_snapshot(deliveryChannelName="default")
    bucket = "config-history-000000000000-us-east-1"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert "config/AWSLogs/000000000000/Config/ConfigWritabilityCheckFile" in keys
    assert all(k.startswith("config/AWSLogs/000000000000/Config/us-east-1/") for k in keys
               if not k.endswith("ConfigWritabilityCheckFile")), keys
    history_keys = [k for k in keys if "/ConfigHistory/" in k and f"_{SG}_" in k]
    assert history_keys and any("/ConfigSnapshot/" in k for k in keys)
    delivered = [i for k in history_keys
                 for i in json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=k)["Body"].read()))[
                     "configurationItems"]]
    assert len([i for i in delivered if i["resourceId"] == gid]) == len(items)
