"""IAM: the seed-000 role, policy and trust relationship through the AWS CLI,
entities and policies through boto3, enforcement of users' policies, the
policy simulator, and the evaluation table through real requests."""
import json
import os
import urllib.parse

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "000000000000"
HERE = os.path.dirname(os.path.abspath(__file__))
CASES = json.load(open(os.path.join(HERE, "..", "iam", "evaluation_cases.json")))

SEED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["ec2:StartInstances", "ec2:StopInstances", "ec2:DescribeInstances"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                                       "ec2:DeleteNetworkInterface"], "Resource": "*"},
    ],
}
SEED_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def code(exc):
    return exc.value.response["Error"]["Code"]


@pytest.mark.parametrize("version", [1, 2])
def test_seed_000_role_policy_and_trust_via_cli(nuage, tmp_path, version):
    role = f"Lambda_Execution_Role_v{version}"
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps(SEED_TRUST, indent=2))
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(SEED_POLICY, indent=2))
    out = nuage.cli("iam", "create-role", "--role-name", role,
                    "--assume-role-policy-document", f"file://{trust}", version=version)
    assert out["Role"]["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/{role}"
    assert out["Role"]["AssumeRolePolicyDocument"] == SEED_TRUST
    nuage.cli("iam", "put-role-policy", "--role-name", role, "--policy-name", "ec2-start-stop",
              "--policy-document", f"file://{policy}", version=version)
    got = nuage.cli("iam", "get-role-policy", "--role-name", role, "--policy-name", "ec2-start-stop", version=version)
    assert got["PolicyDocument"] == SEED_POLICY
    for managed in ("AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"):
        nuage.cli("iam", "attach-role-policy", "--role-name", role, "--policy-arn",
                  f"arn:aws:iam::aws:policy/service-role/{managed}", version=version)
    attached = nuage.cli("iam", "list-attached-role-policies", "--role-name", role, version=version)
    assert {p["PolicyName"] for p in attached["AttachedPolicies"]} == {
        "AWSLambdaBasicExecutionRole", "AWSLambdaVPCAccessExecutionRole"}
    nuage.cli("iam", "update-assume-role-policy", "--role-name", role, "--policy-document", f"file://{trust}",
              version=version)
    got = nuage.cli("iam", "get-role", "--role-name", role, version=version)
    assert got["Role"]["AssumeRolePolicyDocument"] == SEED_TRUST


def test_documents_are_returned_url_encoded(nuage):
    import boto3  # noqa: F401  (raw response check below)
    iam = nuage.client("iam")
    doc = json.dumps(SEED_TRUST)
    iam.create_role(RoleName="encoded-role", AssumeRolePolicyDocument=doc)
    seen = {}

    def grab(http_response, **_):
        seen["body"] = http_response.content.decode()
    iam.meta.events.register("after-call.iam.GetRole", lambda **kw: grab(kw["http_response"]))
    iam.get_role(RoleName="encoded-role")
    start = seen["body"].index("<AssumeRolePolicyDocument>") + len("<AssumeRolePolicyDocument>")
    raw = seen["body"][start:seen["body"].index("</AssumeRolePolicyDocument>")]
    assert "%22" in raw and urllib.parse.unquote(raw) == doc


def test_managed_policies_versions_and_entities(nuage):
    iam = nuage.client("iam")
    arn = iam.create_policy(PolicyName="seed-ec2", PolicyDocument=json.dumps(SEED_POLICY))["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{ACCOUNT}:policy/seed-ec2"
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName="seed-ec2", PolicyDocument=json.dumps(SEED_POLICY))
    assert code(exc) == "EntityAlreadyExists"
    v2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2), SetAsDefault=True)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v2"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == SEED_POLICY
    assert [v["VersionId"] for v in iam.list_policy_versions(PolicyArn=arn)["Versions"]] == ["v2", "v1"]
    with pytest.raises(ClientError) as exc:
        iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    assert code(exc) == "DeleteConflict"
    iam.create_group(GroupName="ops")
    iam.create_user(UserName="carol")
    iam.add_user_to_group(GroupName="ops", UserName="carol")
    iam.attach_group_policy(GroupName="ops", PolicyArn=arn)
    assert [u["UserName"] for u in iam.get_group(GroupName="ops")["Users"]] == ["carol"]
    ents = iam.list_entities_for_policy(PolicyArn=arn)
    assert [g["GroupName"] for g in ents["PolicyGroups"]] == ["ops"]
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    with pytest.raises(ClientError) as exc:
        iam.delete_policy(PolicyArn=arn)
    assert code(exc) == "DeleteConflict"
    with pytest.raises(ClientError) as exc:
        iam.delete_group(GroupName="ops")
    assert code(exc) == "DeleteConflict"
    details = iam.get_account_authorization_details(Filter=["User", "Group"])
    carol = [u for u in details["UserDetailList"] if u["UserName"] == "carol"][0]
    assert carol["GroupList"] == ["ops"]
    aws = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert aws["PolicyName"] == "ReadOnlyAccess"
    doc = iam.get_policy_version(PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess",
                                 VersionId=iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonS3FullAccess")[
                                     "Policy"]["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert "s3:*" in json.dumps(doc)


def test_missing_entities_and_tags(nuage):
    iam = nuage.client("iam")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="nobody")
    assert code(exc) == "NoSuchEntity"
    assert exc.value.response["Error"]["Message"] == "The user with name nobody cannot be found."
    iam.create_user(UserName="tagged", Tags=[{"Key": "team", "Value": "blue"}])
    iam.tag_user(UserName="tagged", Tags=[{"Key": "env", "Value": "dev"}])
    iam.untag_user(UserName="tagged", TagKeys=["team"])
    assert iam.list_user_tags(UserName="tagged")["Tags"] == [{"Key": "env", "Value": "dev"}]
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.create_role(RoleName="ip-role", AssumeRolePolicyDocument=json.dumps(SEED_TRUST))
    iam.add_role_to_instance_profile(InstanceProfileName="ip", RoleName="ip-role")
    assert iam.get_instance_profile(InstanceProfileName="ip")["InstanceProfile"]["Roles"][0]["RoleName"] == "ip-role"
    iam.create_login_profile(UserName="tagged", Password="Sup3r-secret!")
    assert iam.get_login_profile(UserName="tagged")["LoginProfile"]["UserName"] == "tagged"


@pytest.mark.parametrize("doc,reason", [
    ("{nope", "Syntax errors in policy."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}),
     "Policy statement must contain actions."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
     "Policy statement must contain resources."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "GetObject", "Resource": "*"}]}),
     "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
    (json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "bucket"}]}),
     'Resource bucket must be in ARN format or "*".'),
])
def test_malformed_policies_are_rejected_with_reason(nuage, doc, reason):
    iam = nuage.client("iam")
    with pytest.raises(ClientError) as exc:
        iam.create_policy(PolicyName="bad", PolicyDocument=doc)
    assert code(exc) == "MalformedPolicyDocument"
    assert exc.value.response["Error"]["Message"] == reason
    res = nuage.cli("iam", "put-user-policy", "--user-name", "x", "--policy-name", "p", "--policy-document", doc,
                    check=False)
    assert res.returncode != 0 and "MalformedPolicyDocument" in res.stderr


def make_user(nuage, name, policy):
    iam = nuage.client("iam")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_user_allowed_only_get_parameter(nuage):
    nuage.client("ssm").put_parameter(Name="/enf/db", Value="v1", Type="String")
    key, secret = make_user(nuage, "reader", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": "*"}]})
    ssm = nuage.client("ssm", key=key, secret=secret)
    assert ssm.get_parameter(Name="/enf/db")["Parameter"]["Value"] == "v1"
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/enf/db", Value="v2", Type="String", Overwrite=True)
    assert code(exc) == "AccessDeniedException"
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:user/reader is not authorized to perform: ssm:PutParameter on resource: "
        f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/enf/db because no identity-based policy allows the "
        "ssm:PutParameter action")
    with pytest.raises(ClientError) as exc:
        nuage.client("iam", key=key, secret=secret).list_users()
    assert code(exc) == "AccessDenied"
    decisions = nuage.admin("GET", "/_nuage/iam/decisions")["decisions"]
    last = [d for d in decisions if d["principal"].endswith("user/reader")]
    assert last[-1]["action"] == "iam:ListUsers" and last[-1]["decision"] == "implicitDeny"
    assert last[-2]["action"] == "ssm:PutParameter"
    # The CLI sees the same denial.
    res = nuage.cli("ssm", "put-parameter", "--name", "/enf/db", "--value", "x", "--overwrite", check=False,
                    env={"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret})
    assert res.returncode != 0 and "AccessDeniedException" in res.stderr


def test_explicit_deny_names_the_statement(nuage):
    key, secret = make_user(nuage, "denied", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
        {"Sid": "NoDelete", "Effect": "Deny", "Action": "ssm:Delete*", "Resource": "*"}]})
    ssm = nuage.client("ssm", key=key, secret=secret)
    ssm.put_parameter(Name="/deny/p", Value="1", Type="String")
    with pytest.raises(ClientError) as exc:
        ssm.delete_parameter(Name="/deny/p")
    assert exc.value.response["Error"]["Message"].endswith("with an explicit deny in an identity-based policy")
    last = nuage.admin("GET", "/_nuage/iam/decisions")["decisions"][-1]
    assert last["decision"] == "explicitDeny" and last["statement"]["sid"] == "NoDelete"


def test_access_key_lifecycle(nuage):
    key, secret = make_user(nuage, "keyed", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]})
    sts = nuage.client("sts", key=key, secret=secret)
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/keyed"
    iam = nuage.client("iam")
    iam.update_access_key(UserName="keyed", AccessKeyId=key, Status="Inactive")
    with pytest.raises(ClientError) as exc:
        sts.get_caller_identity()
    assert code(exc) == "InvalidClientTokenId"
    iam.update_access_key(UserName="keyed", AccessKeyId=key, Status="Active")
    assert sts.get_caller_identity()["Account"] == ACCOUNT
    iam.delete_access_key(UserName="keyed", AccessKeyId=key)
    assert iam.list_access_keys(UserName="keyed")["AccessKeyMetadata"] == []


def test_keys_survive_restart(start_nuage, data_dir):
    first = start_nuage(data_dir=data_dir)
    iam = first.client("iam")
    iam.create_user(UserName="durable")
    iam.attach_user_policy(UserName="durable", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    key = iam.create_access_key(UserName="durable")["AccessKey"]
    first.stop()
    second = start_nuage(data_dir=data_dir, args=["--strict-credentials"])
    sts = second.client("sts", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"].endswith("user/durable")
    ssm = second.client("ssm", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        ssm.put_parameter(Name="/ro", Value="x", Type="String")
    assert code(exc) == "AccessDeniedException"


def test_enforcement_off(start_nuage):
    server = start_nuage(args=["--iam-enforcement", "off"])
    iam = server.client("iam")
    iam.create_user(UserName="free")
    key = iam.create_access_key(UserName="free")["AccessKey"]
    ssm = server.client("ssm", key=key["AccessKeyId"], secret=key["SecretAccessKey"])
    assert ssm.put_parameter(Name="/free", Value="x", Type="String")["Version"] == 1


def test_simulate_seed_policy_start_vs_terminate(nuage):
    iam = nuage.client("iam")
    iam.create_user(UserName="lambda-operator")
    iam.put_user_policy(UserName="lambda-operator", PolicyName="seed000", PolicyDocument=json.dumps(SEED_POLICY))
    instance = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"
    res = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/lambda-operator",
        ActionNames=["ec2:StartInstances", "ec2:StopInstances", "ec2:TerminateInstances"],
        ResourceArns=[instance])["EvaluationResults"]
    by_action = {r["EvalActionName"]: r for r in res}
    assert by_action["ec2:StartInstances"]["EvalDecision"] == "allowed"
    assert by_action["ec2:StopInstances"]["EvalDecision"] == "allowed"
    assert by_action["ec2:TerminateInstances"]["EvalDecision"] == "implicitDeny"
    matched = by_action["ec2:StartInstances"]["MatchedStatements"]
    assert matched and matched[0]["SourcePolicyId"] == "seed000" and matched[0]["SourcePolicyType"] == "user"


def _simulable(case):
    p = case["policies"]
    return not p["session"] and not p["resource_required"] and case["request"]["principal"]["type"] == "user"


@pytest.mark.parametrize("case", [c for c in CASES if _simulable(c)], ids=lambda c: c["name"])
def test_evaluation_table_through_simulate_custom_policy(nuage, case):
    iam = nuage.client("iam")
    req = case["request"]
    kwargs = {"ActionNames": [req["action"]], "ResourceArns": [req["resource"]], "CallerArn": req["principal"]["arn"],
              "PolicyInputList": [json.dumps(d) for d in case["policies"]["identity"]]}
    if case["policies"]["boundary"]:
        kwargs["PermissionsBoundaryPolicyInputList"] = [json.dumps(d) for d in case["policies"]["boundary"]]
    if case["policies"]["resource"]:
        kwargs["ResourcePolicy"] = json.dumps(case["policies"]["resource"][0])
    entries = []
    for k, v in req["context"].items():
        values = v if isinstance(v, list) else [v]
        entries.append({"ContextKeyName": k, "ContextKeyValues": values,
                        "ContextKeyType": "stringList" if isinstance(v, list) else "string"})
    if entries:
        kwargs["ContextEntries"] = entries
    res = iam.simulate_custom_policy(**kwargs)["EvaluationResults"][0]
    assert res["EvalDecision"] == case["expect"], case["reason"]
