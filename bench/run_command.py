#!/usr/bin/env python3
"""SSM Run Command benchmark of issue 19: SendCommand of `echo` to its Success.

One managed instance (its instance profile's role has
AmazonSSMManagedInstanceCore). Each round sends AWS-RunShellScript with
`echo bench` and polls GetCommandInvocation on the same keep-alive client,
without sleeping, until the invocation is Success; the figure is the time
from just before SendCommand to the answer that says Success, so it holds
the real work: a bubblewrap sandbox started, bash run as root in the
instance's environment, its output read, the store written at each status.
moto is measured beside it for reference only: it answers every command
with an empty Success and runs nothing.

    python3 bench/run_command.py [--rounds 200] [--skip-moto]
"""

import json
import time

from botocore.exceptions import ClientError

import common

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def measure(s, rounds):
    """Milliseconds from SendCommand to the Success answer, per round, and polls per round."""
    iam, ec2, ssm = common.client(s, "iam"), common.client(s, "ec2"), common.client(s, "ssm")
    iam.create_role(RoleName="bench-ssm", AssumeRolePolicyDocument=TRUST)
    try:
        iam.attach_role_policy(RoleName="bench-ssm", PolicyArn="arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")
    except ClientError:  # moto does not know the policy (nor checks what instances may do)
        pass
    iam.create_instance_profile(InstanceProfileName="bench-ssm")
    iam.add_role_to_instance_profile(InstanceProfileName="bench-ssm", RoleName="bench-ssm")
    instance = ec2.run_instances(ImageId="ami-0123456789abcdef0", MinCount=1, MaxCount=1,
                                 IamInstanceProfile={"Name": "bench-ssm"})["Instances"][0]["InstanceId"]
    ec2.get_waiter("instance_running").wait(InstanceIds=[instance], WaiterConfig={"Delay": 0.2})
    samples, polls = [], 0
    for i in range(rounds + 5):
        start = time.perf_counter()
        cid = ssm.send_command(InstanceIds=[instance], DocumentName="AWS-RunShellScript",
                               Parameters={"commands": ["echo bench"]})["Command"]["CommandId"]
        deadline = start + 60
        while True:
            polls += 1
            r = ssm.get_command_invocation(CommandId=cid, InstanceId=instance)
            if r["Status"] not in ("Pending", "InProgress"):
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"command {cid} still {r['Status']} after 60 s")
        elapsed = (time.perf_counter() - start) * 1000
        if r["Status"] != "Success":
            raise SystemExit(f"command {cid}: {r['Status']}")
        if i >= 5:  # the first rounds warm the clients' connections
            samples.append(elapsed)
    return samples, polls / (rounds + 5), r.get("StandardOutputContent", "")


def main():
    ap = common.arg_parser(__doc__)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    common.header("SSM Run Command")
    rows = [["SendCommand echo → Success", "p50", "p90", "p99", "polls/round", "stdout", "load"]]
    results = {}
    servers = [("nuage", lambda: common.nuage_server(args.nuage))]
    if not args.skip_moto:
        servers.append(("moto (runs nothing)", common.moto_server))
    for name, make in servers:
        with make() as s:
            samples, polls, stdout = measure(s, args.rounds)
        results[name] = samples
        print(f"{name}: p50 {common.pct(samples, 50):.1f} ms", flush=True)
        rows.append([f"{name}, {len(samples)} rounds"] +
                    [f"{common.pct(samples, p):.1f} ms" for p in (50, 90, 99)] +
                    [f"{polls:.1f}", repr(stdout), common.load()])
    common.table(rows)
    p50 = common.pct(results["nuage"], 50)
    print(f"goal: SendCommand of echo to its Success <= 20 ms p50: {'met' if p50 <= 20 else 'MISSED'}")


if __name__ == "__main__":
    main()
