"""Starts or stops the AWS resources listed under keys of
aws_resource_start_stop.yml (in the Lambda function's root folder).

The key(s) and the action come from the event (the rule's constant input:
{"action": "start", "configKey": "key"} or "configKey": ["k1", "k2"]) or,
with from_event=False, from the function's name: ec2_start_<key> /
ec2_stop_<key>.

    region_name: ap-northeast-1
    keyname01:
      - type: ec2.instance
        ids: [i-..., i-...]
      - type: rds.db_cluster
        ids: [cluster-1]
      - type: rds.db_instance
        ids: [db-1]
"""
import logging
import os
import re

import boto3
import yaml

CONFIG_FILE = "aws_resource_start_stop.yml"
ACTIONS = ("start", "stop")

logger = logging.getLogger(__name__)


def load_config(path=None):
    path = path or os.path.join(os.environ.get("LAMBDA_TASK_ROOT", os.getcwd()), CONFIG_FILE)
    with open(path, encoding="utf-8") as f:
        config = yaml.safe_load(f) or {}
    if not isinstance(config, dict):
        raise ValueError(f"{CONFIG_FILE}: a mapping of keys to resource lists is expected")
    return config


def action_and_keys(event, context, from_event):
    """('start' | 'stop', [keys]) from the event or the function name."""
    if from_event:
        action = (event or {}).get("action")
        keys = (event or {}).get("configKey")
        if isinstance(keys, str):
            keys = [keys]
    else:
        m = re.fullmatch(r"ec2_(start|stop)_(.+)", context.function_name)
        if not m:
            raise ValueError(f"function name {context.function_name!r} is not ec2_start_<key> or ec2_stop_<key>")
        action, keys = m.group(1), [m.group(2)]
    if action not in ACTIONS:
        raise ValueError(f"action must be 'start' or 'stop', not {action!r}")
    if not keys or not all(isinstance(k, str) for k in keys):
        raise ValueError("configKey must be a key name or a list of key names")
    return action, keys


class ResourceController:
    """Starts and stops one type of resource."""

    def __init__(self, session):
        self.session = session

    def start(self, ids):
        raise NotImplementedError

    def stop(self, ids):
        raise NotImplementedError


class Ec2InstanceController(ResourceController):
    def __init__(self, session):
        super().__init__(session)
        self.ec2 = session.client("ec2")

    def start(self, ids):
        r = self.ec2.start_instances(InstanceIds=ids)
        return [(i["InstanceId"], i["CurrentState"]["Name"]) for i in r["StartingInstances"]]

    def stop(self, ids):
        r = self.ec2.stop_instances(InstanceIds=ids)
        return [(i["InstanceId"], i["CurrentState"]["Name"]) for i in r["StoppingInstances"]]


class RdsDbInstanceController(ResourceController):
    def __init__(self, session):
        super().__init__(session)
        self.rds = session.client("rds")

    def start(self, ids):
        return [(i, self.rds.start_db_instance(DBInstanceIdentifier=i)["DBInstance"]["DBInstanceStatus"])
                for i in ids]

    def stop(self, ids):
        return [(i, self.rds.stop_db_instance(DBInstanceIdentifier=i)["DBInstance"]["DBInstanceStatus"])
                for i in ids]


class RdsDbClusterController(ResourceController):
    def __init__(self, session):
        super().__init__(session)
        self.rds = session.client("rds")

    def start(self, ids):
        return [(i, self.rds.start_db_cluster(DBClusterIdentifier=i)["DBCluster"]["Status"]) for i in ids]

    def stop(self, ids):
        return [(i, self.rds.stop_db_cluster(DBClusterIdentifier=i)["DBCluster"]["Status"]) for i in ids]


CONTROLLERS = {
    "ec2.instance": Ec2InstanceController,
    "rds.db_instance": RdsDbInstanceController,
    "rds.db_cluster": RdsDbClusterController,
}


def start_stop_aws_resources(event, context, from_event=True, config=None):
    """Runs the action on every resource of the key(s); returns
    [(type, id, state)]."""
    config = config if config is not None else load_config()
    action, keys = action_and_keys(event, context, from_event)
    session = boto3.session.Session(region_name=config.get("region_name"))
    done = []
    for key in keys:
        if key not in config or key == "region_name":
            raise KeyError(f"{CONFIG_FILE} has no key {key!r}")
        for group in config[key] or []:
            kind, ids = group.get("type"), group.get("ids") or []
            if kind not in CONTROLLERS:
                raise ValueError(f"{key}: unknown resource type {kind!r} (known: {', '.join(CONTROLLERS)})")
            if not ids:
                continue
            controller = CONTROLLERS[kind](session)
            for resource_id, state in getattr(controller, action)(list(ids)):
                logger.info("%s %s %s: %s", action, kind, resource_id, state)
                done.append((kind, resource_id, state))
    return done
