"""EC2 networking: VPCs, subnets, security groups and their rules, internet
gateways, route tables, network interfaces — seed 002's InfraManager
verbatim, the error codes AWS gives, filters, the CLI, and persistence."""
import types
import uuid
from dataclasses import dataclass, field
from typing import Dict

import pytest
from botocore.exceptions import ClientError

AMI = "ami-0123456789abcdef0"
REGION = "eu-west-1"  # the seed's subnet is in eu-west-1a


def code_of(exc):
    return exc.value.response["Error"]["Code"]


def message_of(exc):
    return exc.value.response["Error"]["Message"]


def make_infra_manager(ec2_resource, ec2_client):
    """Seed 002's InfraConfig/InfraManager, verbatim; `boto3` here hands out
    the test's resource and client."""
    boto3 = types.SimpleNamespace(resource=lambda name: ec2_resource, client=lambda name: ec2_client)

    @dataclass
    class InfraConfig:
        name: str
        environment: str
        vpc_cidr: str = "10.0.0.0/16"
        instance_type: str = "t3.micro"
        instance_count: int = 1
        tags: Dict[str, str] = field(default_factory=dict)

    class InfraManager:
        """Gestionnaire d'infrastructure AWS."""

        def __init__(self, config: InfraConfig):
            self.config = config
            self.ec2 = boto3.resource("ec2")
            self.ec2_client = boto3.client("ec2")

        def create_vpc(self):
            """Crée un VPC."""
            vpc = self.ec2.create_vpc(CidrBlock=self.config.vpc_cidr)
            vpc.create_tags(Tags=[
                {"Key": "Name", "Value": f"{self.config.name}-vpc"},
                {"Key": "Environment", "Value": self.config.environment}
            ])
            vpc.wait_until_available()
            return vpc

        def create_subnet(self, vpc_id, cidr, az):
            """Crée un subnet."""
            subnet = self.ec2.create_subnet(
                VpcId=vpc_id,
                CidrBlock=cidr,
                AvailabilityZone=az
            )
            subnet.create_tags(Tags=[
                {"Key": "Name", "Value": f"{self.config.name}-subnet"}
            ])
            return subnet

        def create_security_group(self, vpc_id, rules):
            """Crée un security group."""
            sg = self.ec2.create_security_group(
                GroupName=f"{self.config.name}-sg",
                Description=f"Security group for {self.config.name}",
                VpcId=vpc_id
            )

            for rule in rules:
                sg.authorize_ingress(
                    IpProtocol=rule.get("protocol", "tcp"),
                    FromPort=rule["port"],
                    ToPort=rule["port"],
                    CidrIp=rule.get("cidr", "0.0.0.0/0")
                )

            return sg

        def deploy(self):
            """Déploie l'infrastructure complète."""
            print(f"Deploying {self.config.name}...")

            # Créer VPC
            vpc = self.create_vpc()
            print(f"Created VPC: {vpc.id}")

            # Créer subnet
            subnet = self.create_subnet(
                vpc.id,
                "10.0.1.0/24",
                "eu-west-1a"
            )
            print(f"Created Subnet: {subnet.id}")

            # Créer security group
            sg = self.create_security_group(vpc.id, [
                {"port": 22},
                {"port": 80},
                {"port": 443}
            ])
            print(f"Created SG: {sg.id}")

            return {
                "vpc_id": vpc.id,
                "subnet_id": subnet.id,
                "security_group_id": sg.id
            }

    return InfraConfig, InfraManager


@pytest.fixture
def ec2(nuage):
    return nuage.client("ec2", region=REGION)


@pytest.fixture
def ec2r(nuage):
    return nuage.resource("ec2", region=REGION)


def new_vpc(ec2, cidr="10.0.0.0/16"):
    return ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


# ------------------------------------------------------------------- seed

def test_seed_002_infra_manager_deploy(nuage, ec2, ec2r, capsys):
    InfraConfig, InfraManager = make_infra_manager(ec2r, ec2)
    config = InfraConfig(
        name="myapp",
        environment="production",
        instance_type="t3.small",
        instance_count=2
    )
    manager = InfraManager(config)
    resources = manager.deploy()
    out = capsys.readouterr().out
    assert f"Created VPC: {resources['vpc_id']}" in out and "Deploying myapp..." in out

    vpc = ec2.describe_vpcs(VpcIds=[resources["vpc_id"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.0.0.0/16" and vpc["State"] == "available" and vpc["IsDefault"] is False
    assert {t["Key"]: t["Value"] for t in vpc["Tags"]} == {"Name": "myapp-vpc", "Environment": "production"}

    subnet = ec2.describe_subnets(SubnetIds=[resources["subnet_id"]])["Subnets"][0]
    assert subnet["VpcId"] == resources["vpc_id"] and subnet["CidrBlock"] == "10.0.1.0/24"
    assert subnet["AvailabilityZone"] == "eu-west-1a" and subnet["AvailableIpAddressCount"] == 251
    assert subnet["Tags"] == [{"Key": "Name", "Value": "myapp-subnet"}]

    sg = ec2.describe_security_groups(GroupIds=[resources["security_group_id"]])["SecurityGroups"][0]
    assert sg["GroupName"] == "myapp-sg" and sg["Description"] == "Security group for myapp"
    assert sg["VpcId"] == resources["vpc_id"]
    ports = sorted((p["IpProtocol"], p["FromPort"], p["ToPort"], p["IpRanges"][0]["CidrIp"]) for p in sg["IpPermissions"])
    assert ports == [("tcp", 22, 22, "0.0.0.0/0"), ("tcp", 80, 80, "0.0.0.0/0"), ("tcp", 443, 443, "0.0.0.0/0")]
    assert sg["IpPermissionsEgress"][0]["IpProtocol"] == "-1"

    # The resource view of the same objects.
    assert ec2r.Vpc(resources["vpc_id"]).cidr_block == "10.0.0.0/16"
    assert ec2r.Subnet(resources["subnet_id"]).availability_zone == "eu-west-1a"
    assert len(ec2r.SecurityGroup(resources["security_group_id"]).ip_permissions) == 3

    # Like AWS, the new VPC got its own default security group and main route table.
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [resources["vpc_id"]]}])
    assert sorted(g["GroupName"] for g in groups["SecurityGroups"]) == ["default", "myapp-sg"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [resources["vpc_id"]]},
                                                {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    assert len(tables) == 1
    assert tables[0]["Routes"] == [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local",
                                    "Origin": "CreateRouteTable", "State": "active"}]

    # Deploying the same config twice in one VPC: the group name is taken.
    with pytest.raises(ClientError) as exc:
        manager.create_security_group(resources["vpc_id"], [])
    assert code_of(exc) == "InvalidGroup.Duplicate"
    assert message_of(exc) == f"The security group 'myapp-sg' already exists for VPC '{resources['vpc_id']}'"


def test_default_vpc_is_visible(ec2):
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1 and vpcs[0]["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    groups = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"]
    assert groups[0]["VpcId"] == vpcs[0]["VpcId"]
    igws = ec2.describe_internet_gateways(
        Filters=[{"Name": "attachment.vpc-id", "Values": [vpcs[0]["VpcId"]]}])["InternetGateways"]
    assert len(igws) == 1


# ------------------------------------------------------------- VPC, subnets

def test_vpc_cidr_validation(ec2):
    for bad in ["10.0.0.0", "10.0.0.256/16", "banana", "10.0.0.0/33"]:
        with pytest.raises(ClientError) as exc:
            ec2.create_vpc(CidrBlock=bad)
        assert code_of(exc) == "InvalidParameterValue"
        assert message_of(exc) == f"Value ({bad}) for parameter cidrBlock is invalid. This is not a valid CIDR block."
    for bad in ["10.0.0.0/8", "10.0.0.0/29"]:
        with pytest.raises(ClientError) as exc:
            ec2.create_vpc(CidrBlock=bad)
        assert code_of(exc) == "InvalidVpc.Range"


def test_subnet_validation(ec2):
    vpc_id = new_vpc(ec2, "10.20.0.0/16")
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/300")
    assert code_of(exc) == "InvalidParameterValue"
    assert "This is not a valid CIDR block." in message_of(exc)
    for bad in ["10.20.0.0/15", "10.20.0.0/29", "10.99.0.0/24"]:
        with pytest.raises(ClientError) as exc:
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=bad)
        assert code_of(exc) == "InvalidSubnet.Range", bad
    ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24", AvailabilityZone="eu-west-1b")
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.128/25")
    assert code_of(exc) == "InvalidSubnet.Conflict"
    assert message_of(exc) == "The CIDR '10.20.1.128/25' conflicts with another subnet"
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.2.0/24", AvailabilityZone="us-east-1a")
    assert code_of(exc) == "InvalidParameterValue" and "availabilityZone" in message_of(exc)
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId="vpc-0000000000000dead", CidrBlock="10.20.2.0/24")
    assert code_of(exc) == "InvalidVpcID.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId="nope", CidrBlock="10.20.2.0/24")
    assert code_of(exc) == "InvalidVpcID.Malformed"
    # Nothing of the failed calls was stored.
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert [s["CidrBlock"] for s in subnets] == ["10.20.1.0/24"]


def test_vpc_and_subnet_attributes(ec2):
    vpc_id = new_vpc(ec2, "10.21.0.0/16")
    assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"] is True
    assert ec2.describe_vpc_attribute(VpcId=vpc_id,
                                      Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is False
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vpc_id,
                                      Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is True
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.21.0.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": True})
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    assert subnet["MapPublicIpOnLaunch"] is True
    assert ec2.describe_subnets(Filters=[{"Name": "map-public-ip-on-launch", "Values": ["true"]},
                                         {"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"][0]["SubnetId"] == subnet_id


def test_vpc_filters(ec2):
    tag = uuid.uuid4().hex
    a = ec2.create_vpc(CidrBlock="10.30.0.0/16",
                       TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "t", "Value": tag}]}])["Vpc"]["VpcId"]
    b = new_vpc(ec2, "10.31.0.0/16")
    ec2.create_tags(Resources=[b], Tags=[{"Key": "t", "Value": tag + "-b"}])
    by_tag = ec2.describe_vpcs(Filters=[{"Name": "tag:t", "Values": [tag + "*"]}])["Vpcs"]
    assert sorted(v["VpcId"] for v in by_tag) == sorted([a, b])
    assert [v["VpcId"] for v in ec2.describe_vpcs(
        Filters=[{"Name": "cidr", "Values": ["10.30.0.0/16"]}, {"Name": "tag:t", "Values": [tag]}])["Vpcs"]] == [a]
    assert ec2.describe_vpcs(Filters=[{"Name": "state", "Values": ["available"]},
                                      {"Name": "vpc-id", "Values": [b]}])["Vpcs"][0]["VpcId"] == b
    with pytest.raises(ClientError) as exc:
        ec2.describe_vpcs(Filters=[{"Name": "color", "Values": ["blue"]}])
    assert code_of(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        ec2.describe_vpcs(VpcIds=["vpc-00000000000000000"])
    assert code_of(exc) == "InvalidVpcID.NotFound"


def test_delete_vpc_dependencies(ec2):
    vpc_id = new_vpc(ec2, "10.40.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.0.0/24")["Subnet"]["SubnetId"]
    igw_id = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    sg_id = ec2.create_security_group(GroupName="web", Description="w", VpcId=vpc_id)["GroupId"]
    with pytest.raises(ClientError) as exc:
        ec2.delete_vpc(VpcId=vpc_id)
    assert code_of(exc) == "DependencyViolation"
    assert message_of(exc) == f"The vpc '{vpc_id}' has dependencies and cannot be deleted."
    ec2.delete_subnet(SubnetId=subnet_id)
    ec2.delete_security_group(GroupId=sg_id)
    with pytest.raises(ClientError) as exc:
        ec2.delete_internet_gateway(InternetGatewayId=igw_id)
    assert code_of(exc) == "DependencyViolation"
    ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    ec2.delete_internet_gateway(InternetGatewayId=igw_id)
    ec2.delete_vpc(VpcId=vpc_id)  # its default group and main route table go with it
    assert ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"] == []
    assert ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["RouteTables"] == []
    with pytest.raises(ClientError) as exc:
        ec2.describe_vpcs(VpcIds=[vpc_id])
    assert code_of(exc) == "InvalidVpcID.NotFound"


def test_subnet_in_use_by_instance(ec2):
    vpc_id = new_vpc(ec2, "10.41.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.41.0.0/24")["Subnet"]["SubnetId"]
    inst = ec2.run_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=subnet_id)["Instances"][0]
    assert inst["PrivateIpAddress"].startswith("10.41.0.")
    with pytest.raises(ClientError) as exc:
        ec2.delete_subnet(SubnetId=subnet_id)
    assert code_of(exc) == "DependencyViolation"
    eni_id = inst["NetworkInterfaces"][0]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as exc:
        ec2.delete_network_interface(NetworkInterfaceId=eni_id)
    assert code_of(exc) == "InvalidNetworkInterface.InUse"
    found = ec2.describe_network_interfaces(
        Filters=[{"Name": "attachment.instance-id", "Values": [inst["InstanceId"]]}])["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in found] == [eni_id]
    ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[inst["InstanceId"]],
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    ec2.delete_subnet(SubnetId=subnet_id)


# --------------------------------------------------------- security groups

def test_security_group_rules(ec2):
    vpc_id = new_vpc(ec2, "10.50.0.0/16")
    sg_id = ec2.create_security_group(GroupName="rules", Description="r", VpcId=vpc_id)["GroupId"]
    out = ec2.authorize_security_group_ingress(GroupId=sg_id, IpProtocol="tcp", FromPort=22, ToPort=22,
                                               CidrIp="0.0.0.0/0")
    assert out["Return"] is True
    rule = out["SecurityGroupRules"][0]
    assert rule["SecurityGroupRuleId"].startswith("sgr-") and rule["IsEgress"] is False
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIpv4"]) == ("tcp", 22, 22, "0.0.0.0/0")

    with pytest.raises(ClientError) as exc:
        ec2.authorize_security_group_ingress(GroupId=sg_id, IpProtocol="tcp", FromPort=22, ToPort=22,
                                             CidrIp="0.0.0.0/0")
    assert code_of(exc) == "InvalidPermission.Duplicate"
    assert message_of(exc) == ('the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW" '
                               'already exists')

    # The IpPermissions form: two CIDRs and a group peer in one call.
    other = ec2.create_security_group(GroupName="peer", Description="p", VpcId=vpc_id)["GroupId"]
    out = ec2.authorize_security_group_ingress(GroupId=sg_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
         "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "corp"}, {"CidrIp": "192.168.0.0/16"}]},
        {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": other}]}])
    assert len(out["SecurityGroupRules"]) == 3
    sg = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    https = next(p for p in sg["IpPermissions"] if p.get("FromPort") == 443)
    assert https["IpRanges"] == [{"CidrIp": "10.0.0.0/8", "Description": "corp"}, {"CidrIp": "192.168.0.0/16"}]
    everything = next(p for p in sg["IpPermissions"] if p["IpProtocol"] == "-1")
    assert "FromPort" not in everything and everything["UserIdGroupPairs"][0]["GroupId"] == other

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [sg_id]}])["SecurityGroupRules"]
    assert len(rules) == 5  # 4 ingress + the default egress rule
    assert sum(r["IsEgress"] for r in rules) == 1
    one = ec2.describe_security_group_rules(Filters=[{"Name": "security-group-rule-id",
                                                      "Values": [rule["SecurityGroupRuleId"]]}])
    assert one["SecurityGroupRules"][0]["CidrIpv4"] == "0.0.0.0/0"

    # Filters on permissions.
    found = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.from-port", "Values": ["443"]},
                                                  {"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"]
    assert [g["GroupId"] for g in found] == [sg_id]
    found = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.group-id", "Values": [other]}])
    assert [g["GroupId"] for g in found["SecurityGroups"]] == [sg_id]

    # The referenced group cannot go while referenced.
    with pytest.raises(ClientError) as exc:
        ec2.delete_security_group(GroupId=other)
    assert code_of(exc) == "DependencyViolation"

    # Revoke: flat form, by rule id, and a rule that is not there.
    ec2.revoke_security_group_ingress(GroupId=sg_id, IpProtocol="tcp", FromPort=22, ToPort=22, CidrIp="0.0.0.0/0")
    with pytest.raises(ClientError) as exc:
        ec2.revoke_security_group_ingress(GroupId=sg_id, IpProtocol="tcp", FromPort=22, ToPort=22,
                                          CidrIp="0.0.0.0/0")
    assert code_of(exc) == "InvalidPermission.NotFound"
    group_rule = next(r for r in rules if r.get("ReferencedGroupInfo", {}).get("GroupId") == other)
    ec2.revoke_security_group_ingress(GroupId=sg_id, SecurityGroupRuleIds=[group_rule["SecurityGroupRuleId"]])
    ec2.delete_security_group(GroupId=other)

    # Egress: revoke the default allow-all, add a narrower one.
    ec2.revoke_security_group_egress(GroupId=sg_id, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=sg_id, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    sg = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert [(p["IpProtocol"], p["FromPort"]) for p in sg["IpPermissionsEgress"]] == [("tcp", 443)]
    assert sorted(p.get("FromPort") for p in sg["IpPermissions"]) == [443]


def test_security_group_errors(ec2, ec2r):
    vpc_id = new_vpc(ec2, "10.51.0.0/16")
    with pytest.raises(ClientError) as exc:
        ec2.describe_security_groups(GroupIds=["sg-0000000000000dead"])
    assert code_of(exc) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.delete_security_group(GroupId="sg-0000000000000dead")
    assert code_of(exc) == "InvalidGroup.NotFound"
    with pytest.raises(ClientError) as exc:
        ec2.authorize_security_group_ingress(GroupId="sg-0000000000000dead", IpProtocol="tcp", FromPort=1,
                                             ToPort=1, CidrIp="0.0.0.0/0")
    assert code_of(exc) == "InvalidGroup.NotFound"
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                    {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"][0]
    with pytest.raises(ClientError) as exc:
        ec2.delete_security_group(GroupId=default["GroupId"])
    assert code_of(exc) == "CannotDelete"
    sg = ec2r.create_security_group(GroupName="busy", Description="b", VpcId=vpc_id)
    subnet = ec2r.create_subnet(VpcId=vpc_id, CidrBlock="10.51.1.0/24")
    instance = ec2r.create_instances(ImageId=AMI, InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                     SubnetId=subnet.id, SecurityGroupIds=[sg.id])[0]
    with pytest.raises(ClientError) as exc:
        sg.delete()
    assert code_of(exc) == "DependencyViolation"
    with pytest.raises(ClientError) as exc:
        sg.authorize_ingress(IpProtocol="tcp", FromPort=80, ToPort=70, CidrIp="0.0.0.0/0")
    assert code_of(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        sg.authorize_ingress(IpProtocol="tcp", FromPort=80, ToPort=80, CidrIp="0.0.0.0/99")
    assert code_of(exc) == "InvalidParameterValue"
    assert ec2.describe_security_groups(GroupIds=[sg.id])["SecurityGroups"][0]["IpPermissions"] == []
    instance.terminate()
    instance.wait_until_terminated(WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    sg.delete()


# ------------------------------------------- gateways, routes, interfaces

def test_internet_gateway_and_routes(ec2):
    vpc_id = new_vpc(ec2, "10.60.0.0/16")
    other_vpc = new_vpc(ec2, "10.61.0.0/16")
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "gw"}]}]
    )["InternetGateway"]
    igw_id = igw["InternetGatewayId"]
    assert igw["Attachments"] == []
    with pytest.raises(ClientError) as exc:
        ec2.detach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    assert code_of(exc) == "Gateway.NotAttached"
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    with pytest.raises(ClientError) as exc:
        ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=other_vpc)
    assert code_of(exc) == "Resource.AlreadyAssociated"
    assert ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}]
                                          )["InternetGateways"][0]["Attachments"] == [
        {"State": "available", "VpcId": vpc_id}]

    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.60.1.0/24")["Subnet"]["SubnetId"]
    rtb_id = ec2.create_route_table(VpcId=vpc_id)["RouteTable"]["RouteTableId"]
    assert ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)["Return"]
    with pytest.raises(ClientError) as exc:
        ec2.create_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert code_of(exc) == "RouteAlreadyExists"
    assoc = ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet_id)
    assert assoc["AssociationState"]["State"] == "associated"
    with pytest.raises(ClientError) as exc:
        ec2.associate_route_table(RouteTableId=rtb_id, SubnetId=subnet_id)
    assert code_of(exc) == "Resource.AlreadyAssociated"
    table = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}]
                                      )["RouteTables"][0]
    assert table["RouteTableId"] == rtb_id
    assert {r["DestinationCidrBlock"]: r["GatewayId"] for r in table["Routes"]} == {
        "10.60.0.0/16": "local", "0.0.0.0/0": igw_id}
    assert ec2.describe_route_tables(Filters=[{"Name": "route.gateway-id", "Values": [igw_id]}]
                                     )["RouteTables"][0]["RouteTableId"] == rtb_id
    with pytest.raises(ClientError) as exc:
        ec2.delete_route_table(RouteTableId=rtb_id)
    assert code_of(exc) == "DependencyViolation"
    with pytest.raises(ClientError) as exc:
        ec2.delete_route(RouteTableId=rtb_id, DestinationCidrBlock="10.60.0.0/16")
    assert code_of(exc) == "InvalidParameterValue"
    ec2.delete_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0")
    with pytest.raises(ClientError) as exc:
        ec2.delete_route(RouteTableId=rtb_id, DestinationCidrBlock="0.0.0.0/0")
    assert code_of(exc) == "InvalidRoute.NotFound"
    ec2.disassociate_route_table(AssociationId=assoc["AssociationId"])
    with pytest.raises(ClientError) as exc:
        ec2.disassociate_route_table(AssociationId=assoc["AssociationId"])
    assert code_of(exc) == "InvalidAssociationID.NotFound"
    ec2.delete_route_table(RouteTableId=rtb_id)
    with pytest.raises(ClientError) as exc:
        ec2.describe_route_tables(RouteTableIds=[rtb_id])
    assert code_of(exc) == "InvalidRouteTableID.NotFound"
    # A gateway attached elsewhere is not a valid target.
    rtb2 = ec2.create_route_table(VpcId=other_vpc)["RouteTable"]["RouteTableId"]
    with pytest.raises(ClientError) as exc:
        ec2.create_route(RouteTableId=rtb2, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    assert code_of(exc) == "InvalidParameterValue"
    with pytest.raises(ClientError) as exc:
        ec2.attach_internet_gateway(InternetGatewayId="igw-0000000000000dead", VpcId=vpc_id)
    assert code_of(exc) == "InvalidInternetGatewayID.NotFound"


def test_network_interfaces(ec2):
    vpc_id = new_vpc(ec2, "10.70.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.70.0.0/24",
                                  AvailabilityZone="eu-west-1c")["Subnet"]["SubnetId"]
    sg_id = ec2.create_security_group(GroupName="eni", Description="e", VpcId=vpc_id)["GroupId"]
    eni = ec2.create_network_interface(SubnetId=subnet_id, Description="extra", Groups=[sg_id],
                                       TagSpecifications=[{"ResourceType": "network-interface",
                                                           "Tags": [{"Key": "k", "Value": "v"}]}])["NetworkInterface"]
    assert eni["Status"] == "available" and eni["AvailabilityZone"] == "eu-west-1c"
    assert eni["PrivateIpAddress"].startswith("10.70.0.") and eni["Groups"][0]["GroupId"] == sg_id
    assert eni["TagSet"] == [{"Key": "k", "Value": "v"}]
    fixed = ec2.create_network_interface(SubnetId=subnet_id, PrivateIpAddress="10.70.0.200")["NetworkInterface"]
    with pytest.raises(ClientError) as exc:
        ec2.create_network_interface(SubnetId=subnet_id, PrivateIpAddress="10.70.0.200")
    assert code_of(exc) == "InvalidIPAddress.InUse"
    with pytest.raises(ClientError) as exc:
        ec2.create_network_interface(SubnetId=subnet_id, PrivateIpAddress="10.71.0.5")
    assert code_of(exc) == "InvalidParameterValue"
    found = ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]},
                                                     {"Name": "group-id", "Values": [sg_id]}])["NetworkInterfaces"]
    assert [e["NetworkInterfaceId"] for e in found] == [eni["NetworkInterfaceId"]]
    assert ec2.describe_network_interfaces(Filters=[{"Name": "tag:k", "Values": ["v"]}]
                                           )["NetworkInterfaces"][0]["Description"] == "extra"
    with pytest.raises(ClientError) as exc:
        ec2.delete_security_group(GroupId=sg_id)
    assert code_of(exc) == "DependencyViolation"
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    ec2.delete_network_interface(NetworkInterfaceId=fixed["NetworkInterfaceId"])
    with pytest.raises(ClientError) as exc:
        ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert code_of(exc) == "InvalidNetworkInterfaceID.NotFound"
    ec2.delete_security_group(GroupId=sg_id)


def test_attach_and_detach_network_interfaces(ec2):
    vpc_id = new_vpc(ec2, "10.71.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.71.0.0/24",
                                  AvailabilityZone="eu-west-1a")["Subnet"]["SubnetId"]
    other_zone = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.71.1.0/24",
                                   AvailabilityZone="eu-west-1b")["Subnet"]["SubnetId"]
    inst = ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, SubnetId=subnet_id)["Instances"][0]["InstanceId"]
    eni = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    far = ec2.create_network_interface(SubnetId=other_zone)["NetworkInterface"]["NetworkInterfaceId"]

    attachment = ec2.attach_network_interface(NetworkInterfaceId=eni, InstanceId=inst, DeviceIndex=1)
    assert attachment["AttachmentId"].startswith("eni-attach-")
    seen = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
    assert seen["Status"] == "in-use"
    assert seen["Attachment"]["InstanceId"] == inst and seen["Attachment"]["DeviceIndex"] == 1
    nics = ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["NetworkInterfaces"]
    assert sorted(n["Attachment"]["DeviceIndex"] for n in nics) == [0, 1]
    assert ec2.describe_instances(Filters=[{"Name": "network-interface.network-interface-id", "Values": [eni]}]
                                  )["Reservations"][0]["Instances"][0]["InstanceId"] == inst

    errors = [
        (dict(NetworkInterfaceId=eni, InstanceId=inst, DeviceIndex=2), "InvalidNetworkInterface.InUse"),
        (dict(NetworkInterfaceId=far, InstanceId=inst, DeviceIndex=2), "InvalidParameterCombination"),
        (dict(NetworkInterfaceId="eni-12345678", InstanceId=inst, DeviceIndex=2), "InvalidNetworkInterfaceID.NotFound"),
        (dict(NetworkInterfaceId=eni, InstanceId="i-12345678", DeviceIndex=2), "InvalidInstanceID.NotFound"),
    ]
    for kwargs, code in errors:
        with pytest.raises(ClientError) as exc:
            ec2.attach_network_interface(**kwargs)
        assert code_of(exc) == code, kwargs
    second = ec2.create_network_interface(SubnetId=subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
    with pytest.raises(ClientError) as exc:
        ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=inst, DeviceIndex=1)
    assert code_of(exc) == "InvalidParameterValue" and "device index '1'" in message_of(exc)
    primary = [n for n in nics if n["Attachment"]["DeviceIndex"] == 0][0]["Attachment"]["AttachmentId"]
    with pytest.raises(ClientError) as exc:
        ec2.detach_network_interface(AttachmentId=primary)
    assert code_of(exc) == "OperationNotPermitted"
    with pytest.raises(ClientError) as exc:
        ec2.detach_network_interface(AttachmentId="eni-attach-12345678")
    assert code_of(exc) == "InvalidAttachmentID.NotFound"

    ec2.detach_network_interface(AttachmentId=attachment["AttachmentId"])
    assert ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]["Status"] == "available"
    assert len(ec2.describe_instances(InstanceIds=[inst])["Reservations"][0]["Instances"][0]["NetworkInterfaces"]) == 1
    # An interface attached after launch outlives the instance.
    ec2.attach_network_interface(NetworkInterfaceId=second, InstanceId=inst, DeviceIndex=1)
    ec2.terminate_instances(InstanceIds=[inst])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[inst], WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    left = ec2.describe_network_interfaces(NetworkInterfaceIds=[second])["NetworkInterfaces"][0]
    assert left["Status"] == "available" and "Attachment" not in left
    for e in (eni, far, second):
        ec2.delete_network_interface(NetworkInterfaceId=e)


# ------------------------------------------------------------------- CLI

@pytest.mark.parametrize("version", [1, 2])
def test_cli(nuage, version):
    env = {"AWS_DEFAULT_REGION": REGION}
    cidr = f"10.{80 + version}.0.0/16"
    vpc = nuage.cli("ec2", "create-vpc", "--cidr-block", cidr, version=version, env=env)["Vpc"]
    described = nuage.cli("ec2", "describe-vpcs", "--filters", f"Name=cidr,Values={cidr}",
                          version=version, env=env)["Vpcs"]
    assert [v["VpcId"] for v in described] == [vpc["VpcId"]]
    sg = nuage.cli("ec2", "create-security-group", "--group-name", f"cli{version}", "--description", "cli",
                   "--vpc-id", vpc["VpcId"], version=version, env=env)
    nuage.cli("ec2", "authorize-security-group-ingress", "--group-id", sg["GroupId"], "--protocol", "tcp",
              "--port", "22", "--cidr", "0.0.0.0/0", version=version, env=env)
    res = nuage.cli("ec2", "authorize-security-group-ingress", "--group-id", sg["GroupId"], "--protocol", "tcp",
                    "--port", "22", "--cidr", "0.0.0.0/0", version=version, env=env, check=False)
    assert res.returncode != 0 and "InvalidPermission.Duplicate" in res.stderr
    groups = nuage.cli("ec2", "describe-security-groups", "--group-ids", sg["GroupId"],
                       version=version, env=env)["SecurityGroups"]
    assert groups[0]["IpPermissions"][0]["FromPort"] == 22
    subnet = nuage.cli("ec2", "create-subnet", "--vpc-id", vpc["VpcId"], "--cidr-block",
                       cidr.replace(".0.0/16", ".1.0/24"), "--availability-zone", "eu-west-1b",
                       version=version, env=env)["Subnet"]
    assert subnet["AvailabilityZone"] == "eu-west-1b"
    res = nuage.cli("ec2", "delete-vpc", "--vpc-id", vpc["VpcId"], version=version, env=env, check=False)
    assert res.returncode != 0 and "DependencyViolation" in res.stderr


# ----------------------------------------------------------- persistence

def test_network_survives_restart(start_nuage, data_dir):
    server = start_nuage(data_dir=data_dir)
    ec2 = server.client("ec2", region=REGION)
    vpc_id = new_vpc(ec2, "10.90.0.0/16")
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.90.1.0/24")["Subnet"]["SubnetId"]
    sg_id = ec2.create_security_group(GroupName="keep", Description="k", VpcId=vpc_id)["GroupId"]
    rule_id = ec2.authorize_security_group_ingress(GroupId=sg_id, IpProtocol="tcp", FromPort=5432, ToPort=5432,
                                                   CidrIp="10.0.0.0/8")["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    default_vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    default_sg = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    default_rules = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [default_sg]}])["SecurityGroupRules"]
    server.stop()

    server = start_nuage(data_dir=data_dir)
    ec2 = server.client("ec2", region=REGION)
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.90.0.0/16"
    assert ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"] == vpc_id
    sg = ec2.describe_security_groups(GroupIds=[sg_id])["SecurityGroups"][0]
    assert sg["IpPermissions"][0]["FromPort"] == 5432
    rules = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule_id])["SecurityGroupRules"]
    assert rules[0]["CidrIpv4"] == "10.0.0.0/8"
    assert ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"] == default_vpcs
    assert ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [default_sg]}])["SecurityGroupRules"] == default_rules
    with pytest.raises(ClientError) as exc:
        ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.90.1.0/24")
    assert code_of(exc) == "InvalidSubnet.Conflict"
