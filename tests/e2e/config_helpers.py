"""Helpers shared by the AWS Config end-to-end tests: a recording region,
the clock, and reading what Config recorded."""
import gzip
import json

CONFIG_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "config.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def clock(server, **body):
    return server.admin("POST", "/_nuage/clock", body)


def settle(server):
    """Returns once the changes, invocations and remediations under way have run."""
    clock(server, advance="1s")


def record(server, region="us-east-1", group=None, bucket=None, prefix=None, start=True):
    """A recorder (every supported type unless `group`), a delivery channel to
    a bucket of its own, recording started. Returns the bucket name."""
    s3, iam, cfg = server.client("s3", region=region), server.client("iam"), server.client("config", region=region)
    bucket = bucket or f"config-{region}"
    if region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    role = f"config-recorder-{region}"
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(CONFIG_TRUST))["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="deliver", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:PutObject", "s3:GetBucketAcl"], "Resource": "*"}]}))
    recorder = {"name": "default", "roleARN": arn}
    if group is not None:
        recorder["recordingGroup"] = group
    cfg.put_configuration_recorder(ConfigurationRecorder=recorder)
    channel = {"name": "default", "s3BucketName": bucket}
    if prefix:
        channel["s3KeyPrefix"] = prefix
    cfg.put_delivery_channel(DeliveryChannel=channel)
    if start:
        cfg.start_configuration_recorder(ConfigurationRecorderName="default")
        settle(server)
    return bucket


def history(cfg, resource_type, resource_id, **kwargs):
    """Every configuration item of a resource, oldest first."""
    items, token = [], None
    for _ in range(100):
        args = dict(resourceType=resource_type, resourceId=resource_id, chronologicalOrder="Forward", **kwargs)
        if token:
            args["nextToken"] = token
        r = cfg.get_resource_config_history(**args)
        items += r["configurationItems"]
        token = r.get("nextToken")
        if not token:
            break
    return items


def compliance(cfg, rule):
    """{resource id: compliance type} of a rule's results."""
    out, token = {}, None
    for _ in range(100):
        args = {"ConfigRuleName": rule, "Limit": 100}
        if token:
            args["NextToken"] = token
        r = cfg.get_compliance_details_by_config_rule(**args)
        for e in r["EvaluationResults"]:
            out[e["EvaluationResultIdentifier"]["EvaluationResultQualifier"]["ResourceId"]] = e["ComplianceType"]
        token = r.get("NextToken")
        if not token:
            break
    return out


def delivered(server, bucket, folder, region="us-east-1"):
    """{key: decoded JSON} of the gzipped files under a ConfigHistory/ConfigSnapshot folder."""
    s3 = server.client("s3", region=region)
    out = {}
    for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
        if f"/{folder}/" in o["Key"]:
            body = s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read()
            out[o["Key"]] = json.loads(gzip.decompress(body))
    return out
