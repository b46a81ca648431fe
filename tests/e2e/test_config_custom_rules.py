"""AWS Config custom Lambda rules end to end: the function invoked as
config.amazonaws.com with AWS's event (change and scheduled notifications,
parameters, scope), its resource policy checked, PutEvaluations with the
result token under the function's role (TestMode, INSUFFICIENT_DATA, more
than 100 evaluations, a forged token, a role without config:PutEvaluations)."""
import gzip
import json

import pytest
from botocore.exceptions import ClientError

from config_helpers import clock, compliance, record, settle
from lambda_helpers import create_python, logged_events, make_role, unique

SG = "AWS::EC2::SecurityGroup"

# Records each event in the function's log and judges groups by their
# description: "bad" is NON_COMPLIANT.
JUDGE = r'''
import json, os
import boto3

config = boto3.client("config")

def handler(event, context):
    print("EVENT " + json.dumps(event))
    invoking = json.loads(event["invokingEvent"])
    if invoking["messageType"] == "ScheduledNotification":
        return "scheduled"
    item = invoking["configurationItem"]
    configuration = item.get("configuration") or {}
    verdict = "NON_COMPLIANT" if configuration.get("description") == "bad" else "COMPLIANT"
    if item["configurationItemStatus"] == "ResourceDeleted" or event["eventLeftScope"]:
        verdict = "NOT_APPLICABLE"
    config.put_evaluations(Evaluations=[{
        "ComplianceResourceType": item["resourceType"], "ComplianceResourceId": item["resourceId"],
        "ComplianceType": verdict, "Annotation": "judged by description",
        "OrderingTimestamp": item["configurationItemCaptureTime"]}], ResultToken=event["resultToken"])
    return verdict
'''


def events_of(server, function):
    return logged_events(server, function)


def custom_rule(cfg, name, function_arn, details, **extra):
    cfg.put_config_rule(ConfigRule={"ConfigRuleName": name, "Source": {
        "Owner": "CUSTOM_LAMBDA", "SourceIdentifier": function_arn,
        "SourceDetails": [{"EventSource": "aws.config", "MessageType": m, **({"MaximumExecutionFrequency": f} if f else {})}
                          for m, f in details]}, **extra})


def judge(server, actions=("config:PutEvaluations", "logs:*"), permit=True):
    role = make_role(server, list(actions))
    name = create_python(server, role, JUDGE, handler="lambda_function.handler", Timeout=60)
    lam = server.client("lambda")
    if permit:
        lam.add_permission(FunctionName=name, StatementId="config", Action="lambda:InvokeFunction",
                           Principal="config.amazonaws.com", SourceAccount="000000000000")
    return name, lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"], role


@pytest.fixture
def env(fresh_nuage):
    record(fresh_nuage)
    return fresh_nuage, fresh_nuage.client("ec2"), fresh_nuage.client("config")


def test_change_notifications_invoke_the_function_with_aws_event(env):
    server, ec2, cfg = env
    name, arn, role = judge(server)
    custom_rule(cfg, "by-description", arn, [("ConfigurationItemChangeNotification", None)],
                Scope={"ComplianceResourceTypes": [SG]}, InputParameters=json.dumps({"wanted": "443"}))
    good = ec2.create_security_group(GroupName="good", Description="good")["GroupId"]
    bad = ec2.create_security_group(GroupName="bad", Description="bad")["GroupId"]
    settle(server)
    got = compliance(cfg, "by-description")
    assert got[good] == "COMPLIANT" and got[bad] == "NON_COMPLIANT"
    rule = cfg.describe_config_rules(ConfigRuleNames=["by-description"])["ConfigRules"][0]
    event = [e for e in events_of(server, name) if json.loads(e["invokingEvent"])
             .get("configurationItem", {}).get("resourceId") == bad][0]
    assert set(event) >= {"invokingEvent", "ruleParameters", "resultToken", "eventLeftScope", "executionRoleArn",
                          "configRuleArn", "configRuleName", "configRuleId", "accountId", "version"}
    assert event["configRuleName"] == "by-description" and event["configRuleArn"] == rule["ConfigRuleArn"]
    assert event["configRuleId"] == rule["ConfigRuleId"] and event["accountId"] == "000000000000"
    assert event["version"] == "1.0" and event["eventLeftScope"] is False
    assert json.loads(event["ruleParameters"]) == {"wanted": "443"}
    assert event["executionRoleArn"].endswith(":role/config-recorder-us-east-1")
    invoking = json.loads(event["invokingEvent"])
    assert invoking["messageType"] == "ConfigurationItemChangeNotification"
    assert invoking["configurationItem"]["configuration"]["groupName"] == "bad"
    assert invoking["configurationItem"]["resourceType"] == SG
    # Out of scope: a bucket does not invoke the function.
    server.client("s3").create_bucket(Bucket="out-of-scope")
    settle(server)
    assert not [e for e in events_of(server, name)
                if json.loads(e["invokingEvent"]).get("configurationItem", {}).get("resourceType") == "AWS::S3::Bucket"]
    # Deleted: the function says NOT_APPLICABLE.
    ec2.delete_security_group(GroupId=bad)
    settle(server)
    assert compliance(cfg, "by-description")[bad] == "NOT_APPLICABLE"
    status = cfg.describe_config_rule_evaluation_status(ConfigRuleNames=["by-description"])["ConfigRulesEvaluationStatus"]
    assert "LastSuccessfulInvocationTime" in status[0]


def test_scheduled_notifications_follow_the_clock(env):
    server, _, cfg = env
    clock(server, freeze=True)
    name, arn, _ = judge(server)
    custom_rule(cfg, "every-3h", arn, [("ScheduledNotification", "Three_Hours")])
    settle(server)

    def scheduled():
        return [e for e in events_of(server, name)
                if json.loads(e["invokingEvent"])["messageType"] == "ScheduledNotification"]

    first = len(scheduled())
    assert first >= 1
    invoking = json.loads(scheduled()[0]["invokingEvent"])
    assert invoking["awsAccountId"] == "000000000000" and "notificationCreationTime" in invoking
    clock(server, advance="2h")
    assert len(scheduled()) == first
    clock(server, advance="61m")
    assert len(scheduled()) == first + 1
    cfg.stop_configuration_recorder(ConfigurationRecorderName="default")
    clock(server, advance="9h")
    assert len(scheduled()) == first + 1


def test_the_function_policy_must_allow_config(env):
    server, _, cfg = env
    _, arn, _ = judge(server, permit=False)
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "no-permission", arn, [("ConfigurationItemChangeNotification", None)])
    assert e.value.response["Error"]["Code"] == "InsufficientPermissionsException"
    assert cfg.describe_config_rules()["ConfigRules"] == []
    # A permission for another account's rules does not do either.
    server.client("lambda").add_permission(FunctionName=arn, StatementId="other", Action="lambda:InvokeFunction",
                                           Principal="config.amazonaws.com", SourceAccount="111111111111")
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "no-permission", arn, [("ConfigurationItemChangeNotification", None)])
    assert e.value.response["Error"]["Code"] == "InsufficientPermissionsException"


def test_bad_rule_definitions_are_refused(env):
    server, _, cfg = env
    _, arn, _ = judge(server)
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "no-details", arn, [])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "freq-on-change", arn, [("ConfigurationItemChangeNotification", "One_Hour")])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "not-an-arn", "my-function", [("ConfigurationItemChangeNotification", None)])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        custom_rule(cfg, "bad-json", arn, [("ConfigurationItemChangeNotification", None)], InputParameters="{oops")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"


def test_put_evaluations_checks_token_and_content(env):
    server, ec2, cfg = env
    name, arn, _ = judge(server)
    custom_rule(cfg, "tokens", arn, [("ConfigurationItemChangeNotification", None)])
    gid = ec2.create_security_group(GroupName="t", Description="t")["GroupId"]
    settle(server)
    token = [e for e in events_of(server, name)][-1]["resultToken"]
    one = [{"ComplianceResourceType": SG, "ComplianceResourceId": gid, "ComplianceType": "NON_COMPLIANT",
            "OrderingTimestamp": "2030-01-01T00:00:00Z"}]
    with pytest.raises(ClientError) as e:
        cfg.put_evaluations(Evaluations=one, ResultToken="forged-token")
    assert e.value.response["Error"]["Code"] == "InvalidResultTokenException"
    with pytest.raises(ClientError) as e:
        cfg.put_evaluations(Evaluations=[dict(one[0], ComplianceType="INSUFFICIENT_DATA")], ResultToken=token)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as e:
        cfg.put_evaluations(Evaluations=one * 101, ResultToken=token)
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert compliance(cfg, "tokens")[gid] == "COMPLIANT"
    # TestMode: accepted, nothing recorded, whatever the token.
    assert cfg.put_evaluations(Evaluations=one, ResultToken="anything", TestMode=True)["FailedEvaluations"] == []
    assert compliance(cfg, "tokens")[gid] == "COMPLIANT"
    # The real token records the result.
    cfg.put_evaluations(Evaluations=one, ResultToken=token)
    assert compliance(cfg, "tokens")[gid] == "NON_COMPLIANT"
    # A deleted rule's token names a rule that is gone.
    cfg.delete_config_rule(ConfigRuleName="tokens")
    with pytest.raises(ClientError) as e:
        cfg.put_evaluations(Evaluations=one, ResultToken=token)
    assert e.value.response["Error"]["Code"] == "NoSuchConfigRuleException"


def test_put_evaluations_needs_the_permission_in_the_function_role(env):
    server, ec2, cfg = env
    name, arn, _ = judge(server, actions=("logs:*",))
    custom_rule(cfg, "denied", arn, [("ConfigurationItemChangeNotification", None)])
    gid = ec2.create_security_group(GroupName="d", Description="d")["GroupId"]
    settle(server)
    assert events_of(server, name)  # invoked...
    assert gid not in compliance(cfg, "denied")  # ...but its PutEvaluations was refused
    logs = server.client("logs").filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
    assert any("AccessDenied" in e["message"] for e in logs)


def test_evaluations_survive_a_restart_and_tokens_stay_valid(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    record(server)
    name, arn, _ = judge(server)
    cfg = server.client("config")
    custom_rule(cfg, "kept", arn, [("ConfigurationItemChangeNotification", None)])
    gid = server.client("ec2").create_security_group(GroupName="bad", Description="bad")["GroupId"]
    settle(server)
    token = events_of(server, name)[-1]["resultToken"]
    server.stop()
    server = start_nuage(data_dir=data_dir)
    cfg = server.client("config")
    assert compliance(cfg, "kept")[gid] == "NON_COMPLIANT"
    cfg.put_evaluations(Evaluations=[{"ComplianceResourceType": SG, "ComplianceResourceId": gid,
                                      "ComplianceType": "COMPLIANT", "OrderingTimestamp": "2030-01-01T00:00:00Z"}],
                        ResultToken=token)
    assert compliance(cfg, "kept")[gid] == "COMPLIANT"


def test_a_resource_leaving_the_scope_is_announced(env):
    server, ec2, cfg = env
    name, arn, _ = judge(server)
    gid = ec2.create_security_group(GroupName="scoped", Description="bad")["GroupId"]
    ec2.create_tags(Resources=[gid], Tags=[{"Key": "watched", "Value": "yes"}])
    settle(server)
    custom_rule(cfg, "tagged", arn, [("ConfigurationItemChangeNotification", None)],
                Scope={"TagKey": "watched", "TagValue": "yes"})
    settle(server)
    assert compliance(cfg, "tagged")[gid] == "NON_COMPLIANT"
    ec2.delete_tags(Resources=[gid], Tags=[{"Key": "watched"}])
    settle(server)
    last = [e for e in events_of(server, name)
            if json.loads(e["invokingEvent"])["configurationItem"]["resourceId"] == gid][-1]
    assert last["eventLeftScope"] is True
    assert compliance(cfg, "tagged")[gid] == "NOT_APPLICABLE"


# Records each event in the function's log, judges nothing.
RECORDER = r'''
import json

def handler(event, context):
    print("EVENT " + json.dumps(event))
    return "seen"
'''


def test_an_item_too_large_for_the_event_is_announced_as_oversized(env):
    """A bucket whose lifecycle rules make its configuration item larger than
    Lambda's 256 KB event: rules subscribed to OversizedConfigurationItemChange-
    Notification get the item's summary and where the whole item was delivered;
    rules subscribed only to ConfigurationItemChangeNotification get nothing."""
    server, _, cfg = env
    role = make_role(server, ["logs:*"])
    lam = server.client("lambda")
    names = {}
    for kind in ("oversized", "change"):
        names[kind] = create_python(server, role, RECORDER, handler="lambda_function.handler")
        lam.add_permission(FunctionName=names[kind], StatementId="config", Action="lambda:InvokeFunction",
                           Principal="config.amazonaws.com")
        arn = lam.get_function(FunctionName=names[kind])["Configuration"]["FunctionArn"]
        messages = [("OversizedConfigurationItemChangeNotification", None)] if kind == "oversized" else []
        custom_rule(cfg, f"{kind}-rule", arn, messages + [("ConfigurationItemChangeNotification", None)],
                    Scope={"ComplianceResourceTypes": ["AWS::S3::Bucket"]})
    settle(server)
    s3 = server.client("s3")
    s3.create_bucket(Bucket="many-rules")
    settle(server)
    before = {kind: len(events_of(server, name)) for kind, name in names.items()}
    assert before["change"] >= 1 and before["oversized"] >= 1  # the bucket's creation reached both
    s3.put_bucket_lifecycle_configuration(Bucket="many-rules", LifecycleConfiguration={"Rules": [
        {"ID": f"rule-{i}", "Status": "Enabled", "Filter": {"Prefix": f"{i:04d}/" + "p" * 250},
         "Expiration": {"Days": 1 + i}} for i in range(1000)]})
    settle(server)

    change_events = events_of(server, names["change"])[before["change"]:]
    assert change_events == []
    [event] = events_of(server, names["oversized"])[before["oversized"]:]
    invoking = json.loads(event["invokingEvent"])
    assert invoking["messageType"] == "OversizedConfigurationItemChangeNotification"
    assert "configurationItem" not in invoking
    summary = invoking["configurationItemSummary"]
    assert summary["resourceType"] == "AWS::S3::Bucket" and summary["resourceId"] == "many-rules"
    assert summary["changeType"] == "UPDATE" and summary["configurationItemStatus"] == "OK"
    location = invoking["s3DeliverySummary"]["s3BucketLocation"]
    bucket, key = location.split("/", 1)
    assert bucket == "config-us-east-1" and "/OversizedChangeNotification/AWS::S3::Bucket/many-rules/" in key
    full = json.loads(gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    rules = full["supplementaryConfiguration"]["BucketLifecycleConfiguration"]["rules"]
    assert len(rules) == 1000 and full["configurationStateId"] == summary["configurationStateId"]
