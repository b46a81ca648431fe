// Wire facts EC2 checks against: the instance types it knows (with their
// architecture) and the public images every region offers. The image catalog
// includes the placeholder IDs used in AWS's documentation and common
// tutorials (ami-0123456789abcdef0, ami-12345678, ami-0123456789), so that
// examples written against them run unchanged.
// Thread-safety: immutable.
#pragma once

#include <optional>
#include <string>

#include "protocol/protocol.h"

namespace nuage::services::ec2 {

// "x86_64", "arm64", or nullopt for an unknown instance type.
std::optional<std::string> instance_type_architecture(const std::string& type);

// The public image with this id, shaped as DescribeImages' Image, or null.
protocol::Value public_image(const std::string& image_id, const std::string& region);
// All public images, for DescribeImages.
std::vector<protocol::Value> public_images(const std::string& region);

}  // namespace nuage::services::ec2
