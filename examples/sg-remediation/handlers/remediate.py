"""Seed 003: security groups that heal themselves.

AWS Config invokes this function (rule `sg-desired-ingress`) for every change
of a security group. It puts the group's ingress rules back to the desired
state named by the rule's parameter `desiredIngress` -- a comma-separated
list of `protocol:port[-port]:cidr`, e.g. `tcp:443:0.0.0.0/0` -- by revoking
what is not desired and authorizing what is missing. It reports the
compliance of the configuration it was sent to AWS Config first:
NON_COMPLIANT when it has to act, COMPLIANT when the group is as desired;
reporting before acting keeps the verdicts in the order of the changes (the
heal is a change too, whose own COMPLIANT verdict must come last). Groups
named `default` (AWS's own rule lets their members reach each other) are
left alone.

Every action moves the group towards the desired state, so invocations that
arrive late or out of order never undo each other.
"""
import json

import boto3
from botocore.exceptions import ClientError

ec2 = boto3.client("ec2")
config = boto3.client("config")


def desired_rules(rule_parameters):
    """{(protocol, from, to, kind, source)} from `desiredIngress`."""
    rules = set()
    for entry in rule_parameters.get("desiredIngress", "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        protocol, ports, cidr = entry.split(":", 2)
        low, _, high = ports.partition("-")
        kind = "ipv6" if ":" in cidr else "ipv4"
        rules.add((protocol, int(low), int(high or low), kind, cidr))
    return rules


def current_rules(ip_permissions):
    """The same tuples from a configuration item's ipPermissions."""
    rules = set()
    for p in ip_permissions:
        protocol = p["ipProtocol"]
        low, high = p.get("fromPort", -1), p.get("toPort", -1)
        for r in p.get("ipv4Ranges", []):
            rules.add((protocol, low, high, "ipv4", r["cidrIp"]))
        for r in p.get("ipv6Ranges", []):
            rules.add((protocol, low, high, "ipv6", r["cidrIpv6"]))
        for g in p.get("userIdGroupPairs", []):
            rules.add((protocol, low, high, "group", g["groupId"]))
        for pl in p.get("prefixListIds", []):
            rules.add((protocol, low, high, "prefix-list", pl["prefixListId"]))
    return rules


def permission(rule):
    """An EC2 IpPermission for one rule tuple."""
    protocol, low, high, kind, source = rule
    p = {"IpProtocol": protocol}
    if protocol != "-1":
        p["FromPort"], p["ToPort"] = low, high
    if kind == "ipv4":
        p["IpRanges"] = [{"CidrIp": source}]
    elif kind == "ipv6":
        p["Ipv6Ranges"] = [{"CidrIpv6": source}]
    elif kind == "group":
        p["UserIdGroupPairs"] = [{"GroupId": source}]
    else:
        p["PrefixListIds"] = [{"PrefixListId": source}]
    return p


def describe(rule):
    protocol, low, high, _, source = rule
    ports = "all" if protocol == "-1" else (str(low) if low == high else f"{low}-{high}")
    return f"{protocol}/{ports} from {source}"


def heal(group_id, current, desired):
    """Revokes and authorizes what differs; returns what was done."""
    done = []
    for rule in sorted(current - desired):
        try:
            ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[permission(rule)])
            done.append("revoked " + describe(rule))
        except ClientError as e:
            if e.response["Error"]["Code"] != "InvalidPermission.NotFound":  # already gone
                raise
    for rule in sorted(desired - current):
        try:
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission(rule)])
            done.append("authorized " + describe(rule))
        except ClientError as e:
            if e.response["Error"]["Code"] != "InvalidPermission.Duplicate":  # already there
                raise
    return done


def latest_item(invoking_event):
    """The configuration item of the event, fetched when it was too large to be sent."""
    if invoking_event["messageType"] == "OversizedConfigurationItemChangeNotification":
        summary = invoking_event["configurationItemSummary"]
        history = config.get_resource_config_history(resourceType=summary["resourceType"],
                                                     resourceId=summary["resourceId"], limit=1)
        item = history["configurationItems"][0]
        item["configuration"] = json.loads(item["configuration"]) if item.get("configuration") else None
        item["configurationItemCaptureTime"] = summary["configurationItemCaptureTime"]
        return item
    return invoking_event["configurationItem"]


def report(item, group_id, compliance, annotation, result_token):
    config.put_evaluations(
        Evaluations=[{
            "ComplianceResourceType": item["resourceType"],
            "ComplianceResourceId": group_id,
            "ComplianceType": compliance,
            "Annotation": annotation[:256],
            "OrderingTimestamp": item["configurationItemCaptureTime"],
        }],
        ResultToken=result_token)


def lambda_handler(event, context):
    invoking_event = json.loads(event["invokingEvent"])
    rule_parameters = json.loads(event.get("ruleParameters") or "{}")
    item = latest_item(invoking_event)
    group_id = item["resourceId"]
    configuration = item.get("configuration") or {}
    if item["configurationItemStatus"] == "ResourceDeleted" or event["eventLeftScope"] \
            or configuration.get("groupName") == "default":
        compliance, annotation = "NOT_APPLICABLE", "not managed by this rule"
        report(item, group_id, compliance, annotation, event["resultToken"])
    else:
        current, desired = current_rules(configuration.get("ipPermissions", [])), desired_rules(rule_parameters)
        differences = ["not desired " + describe(r) for r in sorted(current - desired)] + \
                      ["missing " + describe(r) for r in sorted(desired - current)]
        compliance = "NON_COMPLIANT" if differences else "COMPLIANT"
        report(item, group_id, compliance,
               "differs from desiredIngress: " + "; ".join(differences) if differences else "ingress is as desired",
               event["resultToken"])
        done = heal(group_id, current, desired)
        annotation = ("restored the desired ingress: " + "; ".join(done)) if done else "ingress is as desired"
    print(f"{group_id}: {compliance} ({annotation})")
    return {"compliance": compliance, "annotation": annotation}
