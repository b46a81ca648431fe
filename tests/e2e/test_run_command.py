"""SSM Run Command with real clients: commands really run in the instances'
sandboxed environments (bubblewrap), with their real stdout, stderr and exit
codes; the seed-002 snippets with their polling loop; timeouts, output
limits with the full text in S3 and CloudWatch Logs, cancellation, targets by
tag, managed instances decided by the instance profile's policies, and the
user data an instance runs at its first boot."""
import json
import os
import signal

import pytest
from botocore.exceptions import ClientError

from conftest import wait_for

AMI = "ami-0123456789abcdef0"
EC2_TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
S3_FULL = "arn:aws:iam::aws:policy/AmazonS3FullAccess"


def code_of(exc):
    return exc.value.response["Error"]["Code"]


# --- seed 002, verbatim apart from receiving the client --------------------

def run_command(ssm, instance_ids, commands):
    """Exécute des commandes via SSM."""
    response = ssm.send_command(
        InstanceIds=instance_ids,
        DocumentName="AWS-RunShellScript",
        Parameters={"commands": commands}
    )
    return response["Command"]["CommandId"]


def get_command_output(ssm, command_id, instance_id):
    """Récupère la sortie d'une commande."""
    import time

    while True:
        response = ssm.get_command_invocation(
            CommandId=command_id,
            InstanceId=instance_id
        )
        status = response["Status"]

        if status in ["Success", "Failed", "Cancelled"]:
            return {
                "status": status,
                "stdout": response.get("StandardOutputContent", ""),
                "stderr": response.get("StandardErrorContent", "")
            }

        time.sleep(2)


# --- helpers ----------------------------------------------------------------

def managed_profile(nuage, name, policies=(CORE,)):
    """An instance profile whose role the SSM agent may use."""
    iam = nuage.client("iam")
    try:
        iam.get_instance_profile(InstanceProfileName=name)
        return name
    except ClientError:
        pass
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=EC2_TRUST)
    for arn in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    iam.create_instance_profile(InstanceProfileName=name)
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)
    return name


def launch(nuage, profile="ssm-core", user_data=None, tags=None, count=1):
    ec2 = nuage.client("ec2")
    kwargs = {"ImageId": AMI, "MinCount": count, "MaxCount": count, "InstanceType": "t3.micro"}
    if profile:
        kwargs["IamInstanceProfile"] = {"Name": managed_profile(nuage, profile)}
    if user_data:
        kwargs["UserData"] = user_data
    if tags:
        kwargs["TagSpecifications"] = [{"ResourceType": "instance",
                                        "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
    ids = [i["InstanceId"] for i in ec2.run_instances(**kwargs)["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    return ids if count > 1 else ids[0]


def finished(ssm, command_id, instance_id):
    """Polls GetCommandInvocation until a terminal status (bounded)."""
    def done():
        r = ssm.get_command_invocation(CommandId=command_id, InstanceId=instance_id)
        return r if r["Status"] not in ("Pending", "InProgress", "Delayed", "Cancelling") else None
    return wait_for(done, timeout=60, interval=0.05)


def shell(ssm, instance_id, *commands, **kwargs):
    params = {"commands": list(commands)}
    params.update(kwargs.pop("params", {}))
    cid = ssm.send_command(InstanceIds=[instance_id], DocumentName="AWS-RunShellScript",
                           Parameters=params, **kwargs)["Command"]["CommandId"]
    return finished(ssm, cid, instance_id)


# --- tests ------------------------------------------------------------------

def test_seed_002_run_command_and_poll(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    command_id = run_command(ssm, [instance], ["echo hello from $(hostname)", "uname -s"])
    out = get_command_output(ssm, command_id, instance)
    assert out["status"] == "Success"
    lines = out["stdout"].splitlines()
    assert lines[0].startswith("hello from ip-")
    assert lines[1] == "Linux"
    assert out["stderr"] == ""


def test_real_stdout_stderr_and_exit_code(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    r = shell(ssm, instance, "echo to-stdout", "echo to-stderr >&2", "id -u", "exit 3")
    assert r["Status"] == "Failed" and r["StatusDetails"] == "Failed"
    assert r["ResponseCode"] == 3
    assert r["StandardOutputContent"] == "to-stdout\n0\n"
    assert r["StandardErrorContent"].startswith("to-stderr\n")
    assert "failed to run commands: exit status 3" in r["StandardErrorContent"]
    assert r["PluginName"] == "aws:runShellScript"
    assert r["ExecutionElapsedTime"].startswith("PT")
    ok = shell(ssm, instance, "true")
    assert (ok["Status"], ok["ResponseCode"], ok["StandardErrorContent"]) == ("Success", 0, "")


def test_answer_right_after_send_is_a_status_not_an_error(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    cid = run_command(ssm, [instance], ["sleep 1", "echo late"])
    first = ssm.get_command_invocation(CommandId=cid, InstanceId=instance)
    assert first["Status"] in ("Pending", "InProgress")
    assert first["ResponseCode"] == -1
    assert finished(ssm, cid, instance)["StandardOutputContent"] == "late\n"
    with pytest.raises(ClientError) as e:
        ssm.get_command_invocation(CommandId=cid, InstanceId="i-0000000000000dead")
    assert code_of(e) == "InvocationDoesNotExist"


def test_working_directory_and_execution_timeout(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    r = shell(ssm, instance, "pwd", params={"workingDirectory": ["/tmp"]})
    assert r["StandardOutputContent"] == "/tmp\n"
    r = shell(ssm, instance, "echo started", "sleep 30", params={"executionTimeout": ["1"]})
    assert (r["Status"], r["StatusDetails"]) == ("TimedOut", "ExecutionTimedOut")
    assert r["StandardOutputContent"] == "started\n"
    command = ssm.list_commands(CommandId=r["CommandId"])["Commands"][0]
    assert command["Status"] == "TimedOut"


def test_long_output_is_cut_with_the_full_text_in_s3(nuage):
    ssm, s3 = nuage.client("ssm"), nuage.client("s3")
    profile = managed_profile(nuage, "ssm-core-s3", (CORE, S3_FULL))
    instance = launch(nuage, profile=profile)
    s3.create_bucket(Bucket="run-command-output")
    r = shell(ssm, instance, "head -c 30000 /dev/zero | tr '\\0' o", "head -c 9000 /dev/zero | tr '\\0' e >&2",
              OutputS3BucketName="run-command-output", OutputS3KeyPrefix="logs/run")
    assert r["Status"] == "Success"
    assert r["StandardOutputContent"] == "o" * 24000
    assert r["StandardErrorContent"] == "e" * 8000
    key = f"logs/run/{r['CommandId']}/{instance}/awsrunShellScript/0.awsrunShellScript/stdout"
    assert r["StandardOutputUrl"].endswith("/run-command-output/" + key)
    assert s3.get_object(Bucket="run-command-output", Key=key)["Body"].read() == b"o" * 30000
    err_key = key[: -len("stdout")] + "stderr"
    assert s3.get_object(Bucket="run-command-output", Key=err_key)["Body"].read() == b"e" * 9000


def test_cloudwatch_output(nuage):
    ssm, logs = nuage.client("ssm"), nuage.client("logs")
    instance = launch(nuage)
    cid = ssm.send_command(InstanceIds=[instance], DocumentName="AWS-RunShellScript",
                           Parameters={"commands": ["echo one", "echo two"]},
                           CloudWatchOutputConfig={"CloudWatchOutputEnabled": True,
                                                   "CloudWatchLogGroupName": "/run/command"})["Command"]["CommandId"]
    result = finished(ssm, cid, instance)
    assert result["Status"] == "Success", result
    assert result["CloudWatchOutputConfig"] == {
        "CloudWatchLogGroupName": "/run/command", "CloudWatchOutputEnabled": True}
    events = logs.get_log_events(logGroupName="/run/command",
                                 logStreamName=f"{cid}/{instance}/aws-runShellScript/stdout")["events"]
    assert [e["message"] for e in events] == ["one", "two"]


def test_user_data_runs_once_and_files_follow_the_instance(start_nuage, data_dir):
    nuage = start_nuage(data_dir=data_dir)
    ec2, ssm = nuage.client("ec2"), nuage.client("ssm")
    script = "#!/bin/bash\necho hello-user-data > /root/marker\necho booted as $(whoami)\n"
    instance = launch(nuage, user_data=script)

    def console():  # botocore decodes the base64 EC2 answers
        text = ec2.get_console_output(InstanceId=instance).get("Output", "")
        return text if "booted as root" in text else None
    assert "booted as root" in wait_for(console, timeout=30)
    assert shell(ssm, instance, "cat /root/marker")["StandardOutputContent"] == "hello-user-data\n"
    log = shell(ssm, instance, "cat /var/log/cloud-init-output.log")["StandardOutputContent"]
    assert log == "booted as root\n"
    cli = nuage.cli("ec2", "get-console-output", "--instance-id", instance)
    assert "booted as root" in cli["Output"]  # the CLI decodes it

    ec2.stop_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    with pytest.raises(ClientError) as e:
        run_command(ssm, [instance], ["true"])
    assert code_of(e) == "InvalidInstanceId"
    assert f"Instances [[{instance}]] not in a valid state for account" in str(e.value)
    ec2.start_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    r = shell(ssm, instance, "cat /root/marker", "cat /var/log/cloud-init-output.log")
    assert r["StandardOutputContent"] == "hello-user-data\nbooted as root\n"  # kept, and not run again

    folder = os.path.join(data_dir, "instances", "000000000000", "us-east-1", instance)
    assert os.path.exists(os.path.join(folder, "root", "marker"))
    ec2.terminate_instances(InstanceIds=[instance])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})
    assert not os.path.exists(folder)


def test_instances_see_neither_each_other_nor_nuage_data(start_nuage, data_dir):
    nuage = start_nuage(data_dir=data_dir)
    ssm = nuage.client("ssm")
    a, b = launch(nuage), launch(nuage)
    assert shell(ssm, a, "echo secret > /root/secret", "echo shared > /tmp/t")["Status"] == "Success"
    r = shell(ssm, b, "ls -A /root /tmp", f"ls -A {data_dir} | wc -l",
              f"cat {data_dir}/instances/000000000000/us-east-1/{a}/root/secret || echo unseen")
    seen = r["StandardOutputContent"].splitlines()
    assert seen[:5] == ["/root:", "", "/tmp:", "0", "unseen"]
    hostname = shell(ssm, b, "hostname", "cat /etc/hostname", "grep -c $(hostname) /etc/hosts")
    name = hostname["StandardOutputContent"].splitlines()
    assert name[0] == name[1] and name[0].startswith("ip-") and name[2] == "1"
    assert shell(ssm, a, "cat /root/secret")["StandardOutputContent"] == "secret\n"


def test_cancel_command(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    cid = run_command(ssm, [instance], ["echo before", "sleep 60"])
    wait_for(lambda: ssm.get_command_invocation(CommandId=cid, InstanceId=instance)["Status"] == "InProgress",
             timeout=30, interval=0.05)
    ssm.cancel_command(CommandId=cid)
    r = finished(ssm, cid, instance)
    assert (r["Status"], r["StatusDetails"]) == ("Cancelled", "Cancelled")
    assert ssm.list_commands(CommandId=cid)["Commands"][0]["Status"] == "Cancelled"
    with pytest.raises(ClientError) as e:
        ssm.cancel_command(CommandId="00000000-0000-0000-0000-000000000000")
    assert code_of(e) == "InvalidCommandId"


def test_only_managed_instances_take_commands(nuage):
    ssm = nuage.client("ssm")
    managed = launch(nuage)
    bare = launch(nuage, profile=None)
    denied = launch(nuage, profile=managed_profile(nuage, "no-ssm", (S3_FULL,)))
    infos = {i["InstanceId"]: i for i in ssm.describe_instance_information()["InstanceInformationList"]}
    assert managed in infos and bare not in infos and denied not in infos
    info = infos[managed]
    assert (info["PingStatus"], info["PlatformType"], info["ResourceType"]) == ("Online", "Linux", "EC2Instance")
    assert info["IPAddress"].count(".") == 3 and info["ComputerName"].startswith("ip-") and info["AgentVersion"]
    only = ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [managed]}])
    assert [i["InstanceId"] for i in only["InstanceInformationList"]] == [managed]
    for target in (bare, denied, "i-0123456789abcdef9"):
        with pytest.raises(ClientError) as e:
            run_command(ssm, [target], ["true"])
        assert code_of(e) == "InvalidInstanceId"
        assert str(e.value).endswith(f"Instances [[{target}]] not in a valid state for account 000000000000")


def test_documents_and_parameters_are_checked(nuage):
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    with pytest.raises(ClientError) as e:
        ssm.send_command(InstanceIds=[instance], DocumentName="AWS-RunPowerShellScript",
                         Parameters={"commands": ["Get-Date"]})
    assert code_of(e) == "UnsupportedPlatformType" and "PowerShell" in str(e.value)
    with pytest.raises(ClientError) as e:
        ssm.send_command(InstanceIds=[instance], DocumentName="AWS-RunShellScript", Parameters={"nope": ["x"]})
    assert code_of(e) == "InvalidParameters"
    with pytest.raises(ClientError) as e:
        ssm.send_command(InstanceIds=[instance, instance], DocumentName="AWS-RunShellScript",
                         Parameters={"commands": ["true"]})
    assert code_of(e) == "DuplicateInstanceId"


def test_targets_by_tag_concurrency_errors_and_details(nuage):
    ssm = nuage.client("ssm")
    web = launch(nuage, tags={"Role": "web-rc"}, count=3)
    launch(nuage, tags={"Role": "db-rc"})
    cmd = ssm.send_command(Targets=[{"Key": "tag:Role", "Values": ["web-rc"]}], DocumentName="AWS-RunShellScript",
                           Parameters={"commands": ["echo $HOSTNAME"]}, MaxConcurrency="1")["Command"]
    assert cmd["TargetCount"] == 3 and cmd["MaxConcurrency"] == "1"
    for i in web:
        assert finished(ssm, cmd["CommandId"], i)["Status"] == "Success"
    listed = ssm.list_command_invocations(CommandId=cmd["CommandId"], Details=True)["CommandInvocations"]
    assert sorted(i["InstanceId"] for i in listed) == sorted(web)
    plugin = listed[0]["CommandPlugins"][0]
    assert plugin["Name"] == "aws:runShellScript" and plugin["ResponseCode"] == 0
    assert plugin["Output"].startswith("ip-")
    assert ssm.list_command_invocations(CommandId=cmd["CommandId"])["CommandInvocations"][0]["CommandPlugins"] == []
    done = ssm.list_commands(CommandId=cmd["CommandId"])["Commands"][0]
    assert (done["Status"], done["CompletedCount"], done["ErrorCount"]) == ("Success", 3, 0)

    # One at a time, no error allowed: the first failure stops the rest.
    failing = ssm.send_command(Targets=[{"Key": "InstanceIds", "Values": web}], DocumentName="AWS-RunShellScript",
                               Parameters={"commands": ["exit 1"]}, MaxConcurrency="1", MaxErrors="0")["Command"]
    statuses = [finished(ssm, failing["CommandId"], i)["StatusDetails"] for i in web]
    assert statuses == ["Failed", "Terminated", "Terminated"]
    failed = ssm.list_commands(CommandId=failing["CommandId"])["Commands"][0]
    assert (failed["Status"], failed["ErrorCount"], failed["CompletedCount"]) == ("Failed", 1, 3)


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    instance = launch(nuage)
    sent = nuage.cli("ssm", "send-command", "--instance-ids", instance, "--document-name", "AWS-RunShellScript",
                     "--parameters", "commands=echo cli-run", version=version)
    cid = sent["Command"]["CommandId"]

    def done():
        r = nuage.cli("ssm", "get-command-invocation", "--command-id", cid, "--instance-id", instance,
                      version=version)
        return r if r["Status"] == "Success" else None
    assert wait_for(done, timeout=60)["StandardOutputContent"] == "cli-run\n"
    listed = nuage.cli("ssm", "list-commands", "--command-id", cid, version=version)
    assert listed["Commands"][0]["Parameters"] == {"commands": ["echo cli-run"]}
    infos = nuage.cli("ssm", "describe-instance-information", version=version)
    assert instance in [i["InstanceId"] for i in infos["InstanceInformationList"]]


def test_commands_survive_a_restart(start_nuage, data_dir):
    nuage = start_nuage(data_dir=data_dir)
    ssm = nuage.client("ssm")
    instance = launch(nuage)
    done = shell(ssm, instance, "echo kept")
    running = run_command(ssm, [instance], ["sleep 60"])
    wait_for(lambda: ssm.get_command_invocation(CommandId=running, InstanceId=instance)["Status"] == "InProgress",
             timeout=30, interval=0.05)
    nuage.stop(signal.SIGKILL)
    again = start_nuage(data_dir=data_dir)
    ssm = again.client("ssm")
    r = ssm.get_command_invocation(CommandId=done["CommandId"], InstanceId=instance)
    assert (r["Status"], r["StandardOutputContent"]) == ("Success", "kept\n")
    cut = ssm.get_command_invocation(CommandId=running, InstanceId=instance)
    assert (cut["Status"], cut["StatusDetails"], cut["ResponseCode"]) == ("Failed", "Failed", -1)
    ids = [c["CommandId"] for c in ssm.list_commands()["Commands"]]
    assert ids == [running, done["CommandId"]]
    assert shell(ssm, instance, "echo after")["StandardOutputContent"] == "after\n"
