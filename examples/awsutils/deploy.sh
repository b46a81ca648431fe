#!/usr/bin/env bash
# Deploys the seed-004 awsutils system with the AWS CLI only:
#   roles awsutils-start-stop-role (policy-start-stop.json, the seed's) and
#   awsutils-s3-upload-role (policy-s3-upload.json for $BUCKET);
#   awsutils_start_stop: lambda_function.py calling start_stop_aws_resources(event, context),
#     fired by the rules awsutils-start / awsutils-stop with the constant input
#     {"action": "start"|"stop", "configKey": [$KEYS...]};
#   ec2_start_<key> / ec2_stop_<key> for each key of $NAME_KEYS: the function-name
#     variant (start_stop_aws_resources(event, context, False)), each on its rule;
#   awsutils_s3_upload: aws_s3_upload.upload_file of $SRC_DIR (inside the EFS access
#     point $ACCESS_POINT_ARN, mounted at /mnt/efs) to s3://$BUCKET/$KEY_PREFIX.
# Each zip holds the module, its YAML file and PyYAML, vendored as
# `pip install -t .` would (from this machine's installed PyYAML unless
# VENDOR_WITH_PIP=1, which downloads it: nuage needs no network).
#
# Usage: CONFIG=my.yml KEYS=keyname01,keyname02 [NAME_KEYS=keyname02] \
#        [START_CRON='cron(0 23 ? * SUN-THU *)'] [STOP_CRON='cron(0 8 ? * MON-FRI *)'] \
#        [BUCKET=b ACCESS_POINT_ARN=arn SRC_DIR=outbox KEY_PREFIX=folder1/folder2 REMOVE_SRC=False] \
#        [REGION=us-east-1] [ENDPOINT=http://127.0.0.1:4566] ./deploy.sh
# The CLI honours $AWS_ENDPOINT_URL; ENDPOINT adds --endpoint-url. With neither,
# this deploys to the real AWS account of your credentials.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AWS_CLI="${AWS_CLI:-aws}"
REGION="${REGION:-${AWS_DEFAULT_REGION:-us-east-1}}"
CONFIG="${CONFIG:-$HERE/aws_resource_start_stop.yml}"
KEYS="${KEYS:?set KEYS to the comma-separated configuration keys the start/stop rules name}"
NAME_KEYS="${NAME_KEYS:-}"
START_CRON="${START_CRON:-cron(0 23 ? * SUN-THU *)}"  # 08:00 JST, Monday to Friday
STOP_CRON="${STOP_CRON:-cron(0 12 ? * MON-FRI *)}"     # 21:00 JST
PYTHON="${PYTHON:-python3}"

aws_() {
  if [ -n "${ENDPOINT:-}" ]; then
    "$AWS_CLI" --region "$REGION" --endpoint-url "$ENDPOINT" --output json "$@"
  else
    "$AWS_CLI" --region "$REGION" --output json "$@"
  fi
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# PyYAML into a project folder, as `pip install -t . -r requirements.txt`.
vendor() {
  local dest="$1"
  if [ "${VENDOR_WITH_PIP:-0}" = 1 ]; then
    "$PYTHON" -m pip install -q -t "$dest" -r "$HERE/requirements.txt"
  else
    local yaml_dir
    yaml_dir="$("$PYTHON" -c 'import os, yaml; print(os.path.dirname(yaml.__file__))')"
    cp -r "$yaml_dir" "$dest/yaml"
    rm -rf "$dest/yaml/__pycache__"
  fi
}

role() {
  local name="$1" policy="$2" arn
  arn="$(aws_ iam create-role --role-name "$name" --assume-role-policy-document "file://$HERE/trust-lambda.json" \
    --query Role.Arn --output text 2>/dev/null || aws_ iam get-role --role-name "$name" --query Role.Arn --output text)"
  aws_ iam put-role-policy --role-name "$name" --policy-name "$name-policy" --policy-document "$policy"
  echo "$arn"
}

# name zip role [extra create-function arguments...]
function_() {
  local name="$1" zip="$2" role_arn="$3" i
  shift 3
  echo "== Lambda function $name"
  aws_ lambda delete-function --function-name "$name" >/dev/null 2>&1 || true
  for i in 1 2 3 4 5 6; do  # a new role can take seconds to be assumable on AWS
    if aws_ lambda create-function --function-name "$name" --runtime python3.12 --role "$role_arn" \
        --handler lambda_function.lambda_handler --zip-file "fileb://$zip" --timeout 120 "$@" >/dev/null; then break; fi
    [ "$i" = 6 ] && exit 1
    sleep 5
  done
  aws_ lambda wait function-active-v2 --function-name "$name"
}

# rule cron function [input]
rule() {
  local name="$1" cron="$2" fn="$3" input="${4:-}" rule_arn fn_arn target
  echo "== EventBridge rule $name: $cron -> $fn"
  rule_arn="$(aws_ events put-rule --name "$name" --schedule-expression "$cron" --state ENABLED \
    --query RuleArn --output text)"
  fn_arn="$(aws_ lambda get-function --function-name "$fn" --query Configuration.FunctionArn --output text)"
  aws_ lambda add-permission --function-name "$fn" --statement-id "events-$name" \
    --action lambda:InvokeFunction --principal events.amazonaws.com --source-arn "$rule_arn" >/dev/null
  if [ -n "$input" ]; then
    target="$("$PYTHON" -c 'import json, sys; print(json.dumps([{"Id": sys.argv[1], "Arn": sys.argv[2], "Input": sys.argv[3]}]))' \
      "$fn" "$fn_arn" "$input")"
  else
    target="[{\"Id\": \"$fn\", \"Arn\": \"$fn_arn\"}]"
  fi
  aws_ events put-targets --rule "$name" --targets "$target" >/dev/null
}

echo "== IAM role awsutils-start-stop-role"
START_STOP_ROLE="$(role awsutils-start-stop-role "file://$HERE/policy-start-stop.json")"

# The start/stop project: awsutils/, lambda_function.py, the YAML file, PyYAML.
project() {
  local dir="$WORK/$1" entry="$2"
  mkdir -p "$dir"
  cp -r "$HERE/awsutils" "$dir/awsutils"
  rm -rf "$dir/awsutils/__pycache__"
  cp "$HERE/start_stop/$entry" "$dir/lambda_function.py"
  cp "$CONFIG" "$dir/aws_resource_start_stop.yml"
  vendor "$dir"
  (cd "$dir" && zip -q -r "$WORK/$1.zip" .)
}

project start_stop lambda_function.py
function_ awsutils_start_stop "$WORK/start_stop.zip" "$START_STOP_ROLE"
KEYS_JSON="$("$PYTHON" -c 'import json, sys; print(json.dumps(sys.argv[1].split(",")))' "$KEYS")"
rule awsutils-start "$START_CRON" awsutils_start_stop "{\"action\": \"start\", \"configKey\": $KEYS_JSON}"
rule awsutils-stop "$STOP_CRON" awsutils_start_stop "{\"action\": \"stop\", \"configKey\": $KEYS_JSON}"

if [ -n "$NAME_KEYS" ]; then
  project by_name lambda_function_by_name.py
  IFS=, read -r -a name_keys <<<"$NAME_KEYS"
  for key in "${name_keys[@]}"; do
    function_ "ec2_start_$key" "$WORK/by_name.zip" "$START_STOP_ROLE"
    function_ "ec2_stop_$key" "$WORK/by_name.zip" "$START_STOP_ROLE"
    rule "ec2_start_$key" "$START_CRON" "ec2_start_$key"
    rule "ec2_stop_$key" "$STOP_CRON" "ec2_stop_$key"
  done
fi

if [ -n "${BUCKET:-}" ]; then
  ACCESS_POINT_ARN="${ACCESS_POINT_ARN:?set ACCESS_POINT_ARN to the EFS access point holding the files}"
  SRC_DIR="${SRC_DIR:-outbox}"
  echo "== IAM role awsutils-s3-upload-role (bucket $BUCKET)"
  sed "s/<bucket-name>/$BUCKET/g" "$HERE/policy-s3-upload.json" >"$WORK/policy-s3-upload.json"
  UPLOAD_ROLE="$(role awsutils-s3-upload-role "file://$WORK/policy-s3-upload.json")"
  dir="$WORK/s3_upload"
  mkdir -p "$dir"
  cp "$HERE/aws_s3_upload.py" "$dir/"
  sed "s/^region_name: .*/region_name: $REGION/" "$HERE/aws_s3_upload.yml" >"$dir/aws_s3_upload.yml"
  # The seed's entry point with its four settings filled in.
  sed -e "s#srcdir = '/path/to/source_dir'#srcdir = '/mnt/efs/$SRC_DIR'#" \
      -e "s#bucket_name = 'my_bucket'#bucket_name = '$BUCKET'#" \
      -e "s#key_prefix = 'folder1/folder2'#key_prefix = '${KEY_PREFIX:-folder1/folder2}'#" \
      -e "s#remove_src = 'False'#remove_src = '${REMOVE_SRC:-False}'#" \
      "$HERE/s3_upload/lambda_function.py" >"$dir/lambda_function.py"
  vendor "$dir"
  (cd "$dir" && zip -q -r "$WORK/s3_upload.zip" .)
  function_ awsutils_s3_upload "$WORK/s3_upload.zip" "$UPLOAD_ROLE" \
    --file-system-configs "Arn=$ACCESS_POINT_ARN,LocalMountPath=/mnt/efs"
fi
echo "== done"
