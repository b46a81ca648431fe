"""EC2 key pairs: real key material, fingerprints computed as AWS does,
import of OpenSSH public keys, describe/delete, errors, the CLI."""
import base64
import hashlib
import subprocess
import uuid

import pytest
from botocore.exceptions import ClientError


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def openssl(args, data):
    return subprocess.run(["openssl", *args], input=data, capture_output=True, check=True).stdout


def colon(digest):
    return ":".join(f"{b:02x}" for b in digest)


def name():
    return "k-" + uuid.uuid4().hex[:10]


def test_create_rsa_key_pair(nuage):
    ec2 = nuage.client("ec2")
    key_name = name()
    key = ec2.create_key_pair(KeyName=key_name,
                              TagSpecifications=[{"ResourceType": "key-pair", "Tags": [{"Key": "team", "Value": "a"}]}])
    assert key["KeyName"] == key_name and key["KeyPairId"].startswith("key-")
    pem = key["KeyMaterial"].encode()
    assert pem.startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    # A real 2048-bit RSA key; its fingerprint is the SHA-1 of the DER PKCS#8 private key.
    text = openssl(["rsa", "-noout", "-text"], pem).decode()
    assert "2048 bit" in text
    der = openssl(["pkcs8", "-topk8", "-nocrypt", "-outform", "DER"], pem)
    assert key["KeyFingerprint"] == colon(hashlib.sha1(der).digest())
    assert key["Tags"] == [{"Key": "team", "Value": "a"}]

    described = ec2.describe_key_pairs(KeyNames=[key_name], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyFingerprint"] == key["KeyFingerprint"] and described["KeyType"] == "rsa"
    assert described["PublicKey"].startswith("ssh-rsa AAAA")
    assert ec2.describe_key_pairs(KeyPairIds=[key["KeyPairId"]])["KeyPairs"][0]["KeyName"] == key_name
    assert "KeyMaterial" not in described
    by_fp = ec2.describe_key_pairs(Filters=[{"Name": "fingerprint", "Values": [key["KeyFingerprint"]]}])["KeyPairs"]
    assert [k["KeyName"] for k in by_fp] == [key_name]
    assert [k["KeyName"] for k in ec2.describe_key_pairs(
        Filters=[{"Name": "tag:team", "Values": ["a"]}, {"Name": "key-name", "Values": [key_name]}])["KeyPairs"]] \
        == [key_name]

    # Instances find the key by name.
    inst = ec2.run_instances(ImageId="ami-0123456789abcdef0", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             KeyName=key_name)["Instances"][0]
    assert inst["KeyName"] == key_name
    ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])

    with pytest.raises(ClientError) as exc:
        ec2.create_key_pair(KeyName=key_name)
    assert code_of(exc) == "InvalidKeyPair.Duplicate"
    ec2.delete_key_pair(KeyName=key_name)
    with pytest.raises(ClientError) as exc:
        ec2.describe_key_pairs(KeyNames=[key_name])
    assert code_of(exc) == "InvalidKeyPair.NotFound"
    ec2.delete_key_pair(KeyName=key_name)  # deleting a missing key pair succeeds, as on AWS


def test_create_ed25519_key_pair(nuage, tmp_path):
    ec2 = nuage.client("ec2")
    key = ec2.create_key_pair(KeyName=name(), KeyType="ed25519")
    material = key["KeyMaterial"]
    assert material.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    path = tmp_path / "id"
    path.write_text(material + "\n")
    path.chmod(0o600)
    # ssh-keygen reads it and derives the same public key AWS describes.
    pub = subprocess.run(["ssh-keygen", "-y", "-f", str(path)], capture_output=True, text=True)
    if pub.returncode != 0 and "not found" in pub.stderr:
        pytest.skip("ssh-keygen unavailable")
    assert pub.returncode == 0, pub.stderr
    blob = base64.b64decode(pub.stdout.split()[1])
    assert key["KeyFingerprint"] == base64.b64encode(hashlib.sha256(blob).digest()).decode()
    described = ec2.describe_key_pairs(KeyPairIds=[key["KeyPairId"]], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyType"] == "ed25519"
    assert described["PublicKey"].split()[1] == pub.stdout.split()[1]
    with pytest.raises(ClientError) as exc:
        ec2.create_key_pair(KeyName=name(), KeyFormat="ppk")
    assert code_of(exc) == "UnsupportedOperation"
    ec2.delete_key_pair(KeyPairId=key["KeyPairId"])


def test_import_key_pair(nuage, tmp_path):
    ec2 = nuage.client("ec2")
    path = tmp_path / "id_rsa"
    gen = subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "2048", "-m", "PEM", "-N", "", "-f", str(path)],
                         capture_output=True, text=True)
    if gen.returncode != 0:
        pytest.skip("ssh-keygen unavailable")
    public = (tmp_path / "id_rsa.pub").read_bytes()
    key_name = name()
    imported = ec2.import_key_pair(KeyName=key_name, PublicKeyMaterial=public)
    # Imported RSA keys: MD5 of the DER public key.
    der = openssl(["rsa", "-in", str(path), "-pubout", "-outform", "DER"], b"")
    assert imported["KeyFingerprint"] == colon(hashlib.md5(der).digest())
    described = ec2.describe_key_pairs(KeyNames=[key_name], IncludePublicKey=True)["KeyPairs"][0]
    assert described["PublicKey"].split()[1] == public.split()[1].decode()

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "id_ed")], check=True)
    ed_public = (tmp_path / "id_ed.pub").read_bytes()
    ed = ec2.import_key_pair(KeyName=name(), PublicKeyMaterial=ed_public)
    blob = base64.b64decode(ed_public.split()[1])
    assert ed["KeyFingerprint"] == base64.b64encode(hashlib.sha256(blob).digest()).decode()

    with pytest.raises(ClientError) as exc:
        ec2.import_key_pair(KeyName=name(), PublicKeyMaterial=b"ssh-rsa not-base64!")
    assert code_of(exc) == "InvalidKey.Format"
    with pytest.raises(ClientError) as exc:
        ec2.import_key_pair(KeyName=key_name, PublicKeyMaterial=public)
    assert code_of(exc) == "InvalidKeyPair.Duplicate"
    with pytest.raises(ClientError) as exc:
        ec2.describe_key_pairs(Filters=[{"Name": "size", "Values": ["1"]}])
    assert code_of(exc) == "InvalidParameterValue"


def test_key_pair_resource_api(nuage):
    ec2r = nuage.resource("ec2")
    key_name = name()
    key = ec2r.create_key_pair(KeyName=key_name)
    assert key.key_material.startswith("-----BEGIN RSA PRIVATE KEY-----")
    names = [k.name for k in ec2r.key_pairs.filter(KeyNames=[key_name])]
    assert names == [key_name]
    ec2r.KeyPair(key_name).delete()
    assert key_name not in [k.name for k in ec2r.key_pairs.all()]


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    key_name = name()
    key = nuage.cli("ec2", "create-key-pair", "--key-name", key_name, version=version)
    assert key["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    pairs = nuage.cli("ec2", "describe-key-pairs", "--key-names", key_name, version=version)["KeyPairs"]
    assert pairs[0]["KeyFingerprint"] == key["KeyFingerprint"]
    nuage.cli("ec2", "delete-key-pair", "--key-name", key_name, version=version)
    res = nuage.cli("ec2", "describe-key-pairs", "--key-names", key_name, version=version, check=False)
    assert res.returncode != 0 and "InvalidKeyPair.NotFound" in res.stderr
