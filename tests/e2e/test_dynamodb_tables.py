"""DynamoDB tables end to end: CreateTable with keys, billing modes, secondary
indexes, streams, SSE and tags; CREATING -> ACTIVE on nuage's clock;
ListTables pages; UpdateTable capacity, billing mode and GSIs; deletion
protection; tags; AWS's validation messages — with boto3's client and
resource and both AWS CLIs."""
import uuid

import pytest
from botocore.exceptions import ClientError


def unique(prefix="t"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def error(e):
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def hash_table(ddb, name, **kwargs):
    kwargs.setdefault("BillingMode", "PAY_PER_REQUEST")
    return ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], **kwargs)


def test_create_describe_delete_provisioned(nuage):
    ddb = nuage.client("dynamodb")
    name = unique()
    created = ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "N"},
                              {"AttributeName": "lsk", "AttributeType": "S"},
                              {"AttributeName": "gpk", "AttributeType": "B"}],
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
        LocalSecondaryIndexes=[{"IndexName": "by-lsk",
                                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                              {"AttributeName": "lsk", "KeyType": "RANGE"}],
                                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
        GlobalSecondaryIndexes=[{"IndexName": "by-gpk",
                                 "KeySchema": [{"AttributeName": "gpk", "KeyType": "HASH"}],
                                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]},
                                 "ProvisionedThroughput": {"ReadCapacityUnits": 2, "WriteCapacityUnits": 1}}],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        SSESpecification={"Enabled": True},
        TableClass="STANDARD_INFREQUENT_ACCESS",
        Tags=[{"Key": "team", "Value": "data"}])["TableDescription"]
    account = nuage.client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:dynamodb:us-east-1:{account}:table/{name}"
    assert created["TableStatus"] == "CREATING"
    assert created["TableArn"] == arn
    assert created["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    assert created["ProvisionedThroughput"]["WriteCapacityUnits"] == 3
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    assert created["GlobalSecondaryIndexes"][0]["IndexArn"] == arn + "/index/by-gpk"
    assert created["LatestStreamArn"].startswith(arn + "/stream/")
    assert created["SSEDescription"]["Status"] == "ENABLED"
    assert created["TableClassSummary"]["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert "BillingModeSummary" not in created
    # The clock has moved since: ACTIVE, and the waiter agrees at its first look.
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    assert table["GlobalSecondaryIndexes"][0]["Projection"]["NonKeyAttributes"] == ["a", "b"]
    assert table["LocalSecondaryIndexes"][0]["KeySchema"][1]["AttributeName"] == "lsk"
    assert table["ItemCount"] == 0 and table["TableSizeBytes"] == 0
    assert table["DeletionProtectionEnabled"] is False
    assert len(table["TableId"]) == 36
    # The ARN names the table too.
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == name
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "data"}]
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName=name)
    assert error(e) == ("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_status_follows_the_clock(fresh_nuage):
    ddb = fresh_nuage.client("dynamodb")
    fresh_nuage.admin("POST", "/_nuage/clock", {"freeze": True})
    hash_table(ddb, "frozen")
    # The clock has not moved: still being created, and nothing can change it.
    assert ddb.describe_table(TableName="frozen")["Table"]["TableStatus"] == "CREATING"
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName="frozen")
    assert error(e) == ("ResourceInUseException",
                        "Attempt to change a resource which is still in use: Table is being created: frozen")
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 1})
    assert ddb.describe_table(TableName="frozen")["Table"]["TableStatus"] == "ACTIVE"
    ddb.update_table(TableName="frozen", DeletionProtectionEnabled=True, BillingMode="PROVISIONED",
                     ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert ddb.describe_table(TableName="frozen")["Table"]["TableStatus"] == "UPDATING"
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName="frozen", ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 1})
    assert error(e) == ("ResourceInUseException",
                        "Attempt to change a resource which is still in use: Table is being updated: frozen")
    fresh_nuage.admin("POST", "/_nuage/clock", {"advance": 1})
    assert ddb.describe_table(TableName="frozen")["Table"]["TableStatus"] == "ACTIVE"


def test_list_tables_pages(fresh_nuage):
    ddb = fresh_nuage.client("dynamodb", region="eu-west-1")
    names = sorted(f"page-{i:02d}" for i in range(7))
    for name in reversed(names):
        hash_table(ddb, name)
    first = ddb.list_tables(Limit=3)
    assert first["TableNames"] == names[:3]
    assert first["LastEvaluatedTableName"] == names[2]
    second = ddb.list_tables(Limit=3, ExclusiveStartTableName=first["LastEvaluatedTableName"])
    assert second["TableNames"] == names[3:6]
    last = ddb.list_tables(Limit=3, ExclusiveStartTableName=second["LastEvaluatedTableName"])
    assert last["TableNames"] == names[6:] and "LastEvaluatedTableName" not in last
    paged = [n for page in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2})
             for n in page["TableNames"]]
    assert paged == names
    # Tables are regional.
    assert fresh_nuage.client("dynamodb", region="us-west-2").list_tables()["TableNames"] == []


def test_update_capacity_and_billing(nuage):
    ddb = nuage.client("dynamodb")
    name = unique()
    ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    ddb.describe_table(TableName=name)
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
    code, message = error(e)
    assert code == "ValidationException"
    assert message.startswith("The provisioned throughput for the table will not change. The requested value equals "
                              "the current value. Current ReadCapacityUnits provisioned for the table: 5.")
    up = ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 10, "WriteCapacityUnits": 2})
    assert up["TableDescription"]["TableStatus"] == "UPDATING"
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 10
    assert table["ProvisionedThroughput"]["NumberOfDecreasesToday"] == 1
    assert "LastIncreaseDateTime" in table["ProvisionedThroughput"]
    ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
    table = ddb.describe_table(TableName=name)["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert error(e)[1] == ("One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits "
                           "can be specified when BillingMode is PAY_PER_REQUEST")
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name, BillingMode="PROVISIONED")
    assert error(e)[1] == ("One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must "
                           "both be specified when BillingMode is PROVISIONED")
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=name)
    assert error(e)[0] == "ValidationException"
    # A GSI added later, then removed.
    ddb.update_table(TableName=name, AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
                     GlobalSecondaryIndexUpdates=[{"Create": {
                         "IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                         "Projection": {"ProjectionType": "ALL"}}}])
    table = ddb.describe_table(TableName=name)["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-g"]
    assert table["GlobalSecondaryIndexes"][0]["IndexStatus"] == "ACTIVE"
    ddb.update_table(TableName=name, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}])
    assert "GlobalSecondaryIndexes" not in ddb.describe_table(TableName=name)["Table"]
    ddb.delete_table(TableName=name)


def test_deletion_protection(nuage):
    ddb = nuage.client("dynamodb")
    name = unique()
    hash_table(ddb, name, DeletionProtectionEnabled=True)
    ddb.describe_table(TableName=name)
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName=name)
    assert error(e) == ("ValidationException", "Resource cannot be deleted as it is currently protected against "
                        "deletion. Disable deletion protection first.")
    assert ddb.describe_table(TableName=name)["Table"]["DeletionProtectionEnabled"] is True
    ddb.update_table(TableName=name, DeletionProtectionEnabled=False)
    ddb.describe_table(TableName=name)
    ddb.delete_table(TableName=name)


def test_tags(nuage):
    ddb = nuage.client("dynamodb")
    name = unique()
    arn = hash_table(ddb, name)["TableDescription"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "3"}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"a": "3", "b": "2"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["a", "missing"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]
    with pytest.raises(ClientError) as e:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)])
    assert error(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])
    assert error(e)[0] == "ValidationException"
    missing = arn.replace(name, "missing")
    with pytest.raises(ClientError) as e:
        ddb.list_tags_of_resource(ResourceArn=missing)
    assert error(e) == ("ResourceNotFoundException", f"Requested resource not found: ResourcArn: {missing} not found")


@pytest.mark.parametrize("kwargs,message", [
    ({"KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}]},
     "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"),
    ({"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "pk", "KeyType": "RANGE"}]},
     "Invalid KeySchema: Both the Hash Key and the Range Key element in the KeySchema have the same name"),
    ({"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "HASH"}],
      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}]},
     "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"),
    ({"KeySchema": [{"AttributeName": "other", "KeyType": "HASH"}]},
     "Invalid KeySchema: Some index key attribute have no definition"),
    ({"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of "
     "attributes defined in AttributeDefinitions"),
    ({"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "x", "AttributeType": "S"},
                               {"AttributeName": "g", "AttributeType": "S"}],
      "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                  "Projection": {"ProjectionType": "ALL"}}]},
     "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: "
     "[pk, x, g], keys used: [pk, g]"),
    ({"GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                  "Projection": {"ProjectionType": "ALL"}}]},
     "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. "
     "Keys: [pk, g], AttributeDefinitions: [pk]"),
    ({"LocalSecondaryIndexes": [{"IndexName": "by-l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                                  {"AttributeName": "pk2", "KeyType": "RANGE"}],
                                 "Projection": {"ProjectionType": "ALL"}}],
      "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "pk2", "AttributeType": "S"}]},
     "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when "
     "specifying a LocalSecondaryIndex"),
    ({"AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
      "GlobalSecondaryIndexes": [{"IndexName": "by-g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                                  "Projection": {"ProjectionType": "INCLUDE"}}]},
     "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"),
    ({"BillingMode": "PROVISIONED"},
     "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when "
     "BillingMode is PROVISIONED"),
    ({"BillingMode": None}, "No provisioned throughput specified for the table"),
    ({"ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}},
     "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified "
     "when BillingMode is PAY_PER_REQUEST"),
])
def test_create_table_validation(nuage, kwargs, message):
    ddb = nuage.client("dynamodb")
    args = {"TableName": unique(), "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"}
    args.update(kwargs)
    args = {k: v for k, v in args.items() if v is not None}
    with pytest.raises(ClientError) as e:
        ddb.create_table(**args)
    assert error(e) == ("ValidationException", message)
    assert args["TableName"] not in ddb.list_tables()["TableNames"]


def test_create_existing_and_model_constraints(nuage):
    ddb = nuage.client("dynamodb")
    name = unique()
    hash_table(ddb, name)
    with pytest.raises(ClientError) as e:
        hash_table(ddb, name)
    assert error(e) == ("ResourceInUseException", f"Table already exists: {name}")
    with pytest.raises(ClientError) as e:
        hash_table(ddb, "bad name!")
    assert error(e)[0] == "ValidationException"
    assert "tableName" in error(e)[1]


def test_resource_and_survives_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ddb = server.resource("dynamodb")
    table = ddb.create_table(TableName="kept", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                             ProvisionedThroughput={"ReadCapacityUnits": 4, "WriteCapacityUnits": 2})
    table.wait_until_exists()
    table.reload()  # the resource keeps CreateTable's answer until reloaded, as on AWS
    assert table.table_status == "ACTIVE"
    assert table.provisioned_throughput["ReadCapacityUnits"] == 4
    assert [t.name for t in ddb.tables.all()] == ["kept"]
    server.stop(signal_kill())
    again = start_nuage(data_dir=data_dir)
    assert again.client("dynamodb").describe_table(TableName="kept")["Table"]["ProvisionedThroughput"][
        "WriteCapacityUnits"] == 2


def signal_kill():
    import signal
    return signal.SIGKILL


@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    name = unique("cli")
    created = nuage.cli("dynamodb", "create-table", "--table-name", name,
                        "--attribute-definitions", "AttributeName=pk,AttributeType=S", "AttributeName=sk,AttributeType=N",
                        "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
                        "--billing-mode", "PAY_PER_REQUEST", "--tags", "Key=env,Value=test", version=version)
    assert created["TableDescription"]["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    nuage.cli("dynamodb", "wait", "table-exists", "--table-name", name, version=version)
    table = nuage.cli("dynamodb", "describe-table", "--table-name", name, version=version)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert name in nuage.cli("dynamodb", "list-tables", version=version)["TableNames"]
    tags = nuage.cli("dynamodb", "list-tags-of-resource", "--resource-arn", table["TableArn"], version=version)["Tags"]
    assert tags == [{"Key": "env", "Value": "test"}]
    if version == 1:  # CLI v2 2.9's model predates deletion protection (2023)
        nuage.cli("dynamodb", "update-table", "--table-name", name, "--deletion-protection-enabled", version=version)
        res = nuage.cli("dynamodb", "delete-table", "--table-name", name, version=version, check=False)
        assert res.returncode != 0 and "protected against deletion" in res.stderr
        nuage.cli("dynamodb", "update-table", "--table-name", name, "--no-deletion-protection-enabled",
                  version=version)
    else:
        nuage.cli("dynamodb", "update-table", "--table-name", name, "--billing-mode", "PROVISIONED",
                  "--provisioned-throughput", "ReadCapacityUnits=3,WriteCapacityUnits=4", version=version)
        table = nuage.cli("dynamodb", "describe-table", "--table-name", name, version=version)["Table"]
        assert table["ProvisionedThroughput"]["WriteCapacityUnits"] == 4
    assert nuage.cli("dynamodb", "delete-table", "--table-name", name,
                     version=version)["TableDescription"]["TableStatus"] == "DELETING"
    res = nuage.cli("dynamodb", "describe-table", "--table-name", name, version=version, check=False)
    assert "ResourceNotFoundException" in res.stderr
