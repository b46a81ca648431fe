"""IAM: users with tags, their inline policies (overwritten), and access
keys, which must still sign requests after the restart."""
import json
import threading
import urllib.parse

from harness import NOTHING, Cell


class Plugin:
    name = "iam"

    def __init__(self):
        self.users = {}     # user -> Cell of tags
        self.policies = {}  # user -> Cell of the inline policy document
        self.keys = {}      # user -> Cell of (access key id, secret)
        self.lock = threading.Lock()
        self.counter = 0

    def setup(self, c):
        pass

    def write(self, c, worker, rng):
        with self.lock:
            own = [u for u, cell in self.users.items() if u.startswith(f"soak-w{worker}-") and cell.acked is not NOTHING]
        roll = rng.random()
        if self.soak.reuse(own, rng, 0.6) is None:
            with self.lock:
                self.counter += 1
                user = f"soak-w{worker}-{self.counter:05d}"
                cell = self.users[user] = Cell(f"iam user {user}")
            tags = tuple(sorted({f"k{i}": f"v{rng.randrange(1000)}" for i in range(rng.randrange(0, 4))}.items()))
            with self.soak.writing(cell, tags):
                c.iam.create_user(UserName=user, Tags=[{"Key": k, "Value": v} for k, v in tags])
        elif roll < 0.7:
            user = rng.choice(own)
            with self.lock:
                cell = self.policies.setdefault(user, Cell(f"iam policy of {user}"))
            document = json.dumps({"Version": "2012-10-17", "Statement": [{
                "Sid": f"s{rng.randrange(10**6)}", "Effect": "Allow",
                "Action": rng.sample(["s3:GetObject", "s3:PutObject", "sqs:SendMessage", "ec2:StartInstances"], 2),
                "Resource": f"arn:aws:s3:::bucket-{rng.randrange(100)}/*"}]}, sort_keys=True)
            with self.soak.writing(cell, document):
                c.iam.put_user_policy(UserName=user, PolicyName="soak", PolicyDocument=document)
        else:
            user = rng.choice(own)
            with self.lock:
                if user in self.keys:
                    return
                cell = self.keys[user] = Cell(f"iam access key of {user}")
            # The key's id and secret come back in the answer: the pending value is filled in on success.
            with self.soak.writing(cell, "created"):
                key = c.iam.create_access_key(UserName=user)["AccessKey"]
            cell.acked = (key["AccessKeyId"], key["SecretAccessKey"])

    def verify(self, c, full):
        with self.lock:
            users, policies, keys = dict(self.users), dict(self.policies), dict(self.keys)
        for cell in self.soak.to_check(users.values(), full):
            user = cell.name.split()[-1]
            try:
                got = c.iam.get_user(UserName=user)["User"]
                cell.settle(tuple(sorted((t["Key"], t["Value"]) for t in got.get("Tags", []))))
            except c.iam.exceptions.NoSuchEntityException:
                cell.settle(NOTHING)
        for cell in self.soak.to_check(policies.values(), full):
            user = cell.name.split()[-1]
            try:
                doc = c.iam.get_user_policy(UserName=user, PolicyName="soak")["PolicyDocument"]
                doc = json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc
                cell.settle(json.dumps(doc, sort_keys=True))
            except c.iam.exceptions.NoSuchEntityException:
                cell.settle(NOTHING)
        for cell in self.soak.to_check(keys.values(), full):
            user = cell.name.split()[-1]
            listed = [k["AccessKeyId"] for k in c.iam.list_access_keys(UserName=user)["AccessKeyMetadata"]]
            if cell.acked in (NOTHING, "created"):
                # Interrupted: the key may exist, with a secret nobody received; it must stay as it is now.
                assert len(listed) <= 1, f"{cell.name}: {listed}"
                cell.acked, cell.pending = ("unreceived", tuple(listed)), NOTHING
                continue
            if cell.acked[0] == "unreceived":
                assert tuple(listed) == cell.acked[1], f"{cell.name}: {listed}, was {cell.acked[1]}"
                continue
            key_id, secret = cell.acked
            assert listed == [key_id], f"{cell.name}: listed {listed}, acknowledged {key_id}"
            arn = c.caller_arn(key_id, secret)
            assert arn.endswith(f":user/{user}"), f"{cell.name}: signs as {arn}"
