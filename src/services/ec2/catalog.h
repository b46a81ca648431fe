// Wire facts EC2 checks against: the instance types it knows (with their
// architecture) and the public images every region offers. The image catalog
// includes the placeholder IDs used in AWS's documentation and common
// tutorials (ami-0123456789abcdef0, ami-12345678, ami-0123456789), so that
// examples written against them run unchanged.
// Thread-safety: immutable.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "kit/value.h"

namespace nuage::services::ec2 {

// "x86_64", "arm64", or nullopt for an unknown instance type.
std::optional<std::string> instance_type_architecture(const std::string& type);

// The public image with this id, shaped as DescribeImages' Image, or null.
kit::Value public_image(const std::string& image_id, const std::string& region);
// All public images, for DescribeImages.
std::vector<kit::Value> public_images(const std::string& region);

// The availability zones of a region: <region>a, b and c (us-east-1 has six
// on AWS; three are enough for default subnets and what Terraform-style
// setups ask for), with zone ids in AWS's form (us-east-1 -> use1-az1,
// ap-northeast-1 -> apne1-az1).
struct Zone {
  std::string name;
  std::string id;
};
std::vector<Zone> availability_zones(const std::string& region);
// The zone of `region` with this name or id, or nullopt.
std::optional<Zone> find_zone(const std::string& region, const std::string& name_or_id);

}  // namespace nuage::services::ec2
