"""Uploads every file under a folder (and its subfolders) to an S3 bucket,
under `key_prefix + '/' + path relative to the folder`; with remove_src the
files are removed once uploaded (the folders stay). Settings in
aws_s3_upload.yml beside this module: region_name, and optionally
access_key_id / secret_access_key (otherwise the function's role)."""
import logging
import os

import boto3
import yaml

CONFIG_FILE = "aws_s3_upload.yml"

logger = logging.getLogger(__name__)


def load_config(path=None):
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), CONFIG_FILE)
    if not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f) or {}


def s3_client(config):
    kwargs = {"region_name": config.get("region_name")}
    if config.get("access_key_id") and config.get("secret_access_key"):
        kwargs.update(aws_access_key_id=config["access_key_id"],
                      aws_secret_access_key=config["secret_access_key"])
    return boto3.session.Session(**kwargs).client("s3")


def upload_file(srcdir, bucket_name, key_prefix, remove_src=False, config=None):
    """Returns the keys uploaded, in walk order."""
    if not os.path.isdir(srcdir):
        raise FileNotFoundError(f"no such directory: {srcdir}")
    s3 = s3_client(config if config is not None else load_config())
    prefix = key_prefix.strip("/")
    uploaded = []
    for folder, _, files in os.walk(srcdir):
        for name in sorted(files):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, srcdir).replace(os.sep, "/")
            key = f"{prefix}/{relative}" if prefix else relative
            s3.upload_file(path, bucket_name, key)
            logger.info("uploaded %s to s3://%s/%s", path, bucket_name, key)
            uploaded.append(key)
            if remove_src:
                os.remove(path)
    return uploaded
