// What AWS Config records of a stored resource: the resource type of a
// store kind ("ec2" / "security-group" -> AWS::EC2::SecurityGroup) and the
// configuration item's content built from the stored document, in AWS's
// schema for the type (camelCase members, ISO timestamps, the type's own
// shape: a security group's ipRanges / ipv4Ranges, an S3 bucket's
// supplementary configuration, an IAM role's URL-encoded policy documents),
// with the relationships the document names.
//
// EC2 and Lambda documents are shaped like their services' output
// structures, so their configuration is derived from the service model (the
// member names of the shape, lowered; members the shape does not have, such
// as internal '_' fields, are dropped). S3 buckets and IAM entities keep
// documents of their own form, described here by hand.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kit/value.h"

namespace nuage::services::config {

using kit::Value;

// Regionless resources (IAM) carry this awsRegion.
inline constexpr const char* kGlobalRegion = "global";

struct Described {
  std::string type;               // "AWS::EC2::SecurityGroup"
  std::string id;                 // resourceId
  std::string name;               // resourceName ("" when the type has none)
  std::string arn;
  std::string aws_region;         // the resource's region, "global" for IAM
  std::string availability_zone;  // a zone, "Multiple Availability Zones" or "Not Applicable"
  std::optional<double> created;  // resourceCreationTime, epoch seconds
  Value configuration = Value::object();
  Value supplementary = Value::object();  // name -> object
  Value relationships = Value::array();   // [{relationshipName, resourceType, resourceId?, resourceName?}]
  Value tags = Value::object();           // {key: value}
};

// The resource type recorded for documents of (service, kind); "" for
// kinds AWS Config does not record.
std::string resource_type_of(const std::string& service, const std::string& kind);

// The item content of a stored document (`region` is the store's scope,
// "" for IAM); nullopt when the document is not recorded (an IAM access
// key, a terminated instance's leftovers...).
std::optional<Described> describe(const std::string& service, const std::string& kind, const std::string& account,
                                  const std::string& region, const Value& doc);

// Every resource type nuage records, in AWS's spelling.
const std::vector<std::string>& recorded_types();
bool is_recorded_type(const std::string& type);
// IAM types: recorded by a recorder only with includeGlobalResourceTypes
// (or when listed by name).
bool is_global_type(const std::string& type);
// Whether AWS knows the type at all (the model's ResourceType enum).
bool is_known_type(const std::string& type);

}  // namespace nuage::services::config
