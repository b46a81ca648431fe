#include "services/ec2/catalog.h"

#include <cctype>
#include <set>

namespace nuage::services::ec2 {

using kit::Value;

std::optional<std::string> instance_type_architecture(const std::string& type) {
  static const std::set<std::string> kX86 = {"t1", "t2", "t3", "t3a", "m1", "m3", "m4", "m5", "m5a", "m5n",
                                             "m6i", "m6a", "m7i", "m7a", "c4", "c5", "c5a", "c5n", "c6i", "c6a",
                                             "c7i", "c7a", "r4", "r5", "r5a", "r6i", "r6a", "r7i", "i3", "i4i",
                                             "d3", "g4dn", "g5", "p3", "p4d", "x1e", "x2idn", "z1d", "inf1"};
  static const std::set<std::string> kArm = {"a1", "t4g", "m6g", "m7g", "c6g", "c6gn", "c7g", "r6g", "r7g",
                                             "x2gd", "im4gn", "g5g"};
  static const std::set<std::string> kSizes = {"nano",    "micro",   "small",    "medium",   "large",
                                               "xlarge",  "2xlarge", "3xlarge",  "4xlarge",  "6xlarge",
                                               "8xlarge", "9xlarge", "10xlarge", "12xlarge", "16xlarge",
                                               "18xlarge", "24xlarge", "32xlarge", "48xlarge", "metal"};
  auto dot = type.find('.');
  if (dot == std::string::npos || !kSizes.count(type.substr(dot + 1))) return std::nullopt;
  std::string family = type.substr(0, dot);
  if (kX86.count(family)) return "x86_64";
  if (kArm.count(family)) return "arm64";
  return std::nullopt;
}

namespace {

struct ImageSpec {
  const char* id;
  const char* name;
  const char* description;
  const char* owner;
  const char* alias;
  const char* arch;
  const char* platform;
  const char* created;
};

const ImageSpec kImages[] = {
    {"ami-0123456789abcdef0", "al2023-ami-2023.6.20241111.0-kernel-6.1-x86_64", "Amazon Linux 2023 AMI",
     "137112412989", "amazon", "x86_64", "Linux/UNIX", "2024-11-11T20:12:35.000Z"},
    {"ami-0abcdef1234567890", "al2023-ami-2023.6.20241111.0-kernel-6.1-arm64", "Amazon Linux 2023 AMI (arm64)",
     "137112412989", "amazon", "arm64", "Linux/UNIX", "2024-11-11T20:12:40.000Z"},
    {"ami-0123456789", "amzn2-ami-kernel-5.10-hvm-2.0.20241113.1-x86_64-gp2", "Amazon Linux 2 Kernel 5.10 AMI",
     "137112412989", "amazon", "x86_64", "Linux/UNIX", "2024-11-13T18:00:00.000Z"},
    {"ami-12345678", "amzn-ami-hvm-2018.03.0.20231218.0-x86_64-gp2", "Amazon Linux AMI 2018.03",
     "137112412989", "amazon", "x86_64", "Linux/UNIX", "2023-12-18T10:00:00.000Z"},
    {"ami-0fedcba9876543210", "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20241119",
     "Canonical, Ubuntu, 24.04, amd64 noble image", "099720109477", "", "x86_64", "Linux/UNIX",
     "2024-11-19T08:00:00.000Z"},
    {"ami-0f0e0d0c0b0a09080", "debian-12-amd64-20241110-1928", "Debian 12 (20241110-1928)", "136693071363", "",
     "x86_64", "Linux/UNIX", "2024-11-10T19:28:00.000Z"},
};

Value make_image(const ImageSpec& s) {
  std::string snap = std::string("snap-0") + (s.id + 4);
  snap.resize(22, '0');
  Value image = {{"ImageId", s.id},
                 {"ImageLocation", std::string(s.owner) + "/" + s.name},
                 {"State", "available"},
                 {"OwnerId", s.owner},
                 {"CreationDate", s.created},
                 {"Public", true},
                 {"Architecture", s.arch},
                 {"ImageType", "machine"},
                 {"Name", s.name},
                 {"Description", s.description},
                 {"RootDeviceName", "/dev/xvda"},
                 {"RootDeviceType", "ebs"},
                 {"VirtualizationType", "hvm"},
                 {"Hypervisor", "xen"},
                 {"EnaSupport", true},
                 {"PlatformDetails", s.platform},
                 {"UsageOperation", "RunInstances"},
                 {"BlockDeviceMappings",
                  {{{"DeviceName", "/dev/xvda"},
                    {"Ebs",
                     {{"DeleteOnTermination", true}, {"SnapshotId", snap}, {"VolumeSize", 8}, {"VolumeType", "gp3"},
                      {"Encrypted", false}}}}}},
                 {"Tags", Value::array()}};
  if (*s.alias) image["ImageOwnerAlias"] = s.alias;
  return image;
}

}  // namespace

Value public_image(const std::string& image_id, const std::string&) {
  for (const auto& s : kImages)
    if (image_id == s.id) return make_image(s);
  return Value();
}

std::vector<Value> public_images(const std::string&) {
  std::vector<Value> out;
  for (const auto& s : kImages) out.push_back(make_image(s));
  return out;
}

std::vector<Zone> availability_zones(const std::string& region) {
  // us-east-1 -> "use1": the area, the initials of the direction words
  // (northeast -> ne, central -> c), the number.
  static const std::pair<const char*, const char*> kDirections[] = {
      {"northeast", "ne"}, {"northwest", "nw"}, {"southeast", "se"}, {"southwest", "sw"}, {"north", "n"},
      {"south", "s"},      {"east", "e"},       {"west", "w"},       {"central", "c"},    {"gov", "g"},
  };
  std::string prefix;
  size_t start = 0;
  while (start <= region.size()) {
    size_t dash = region.find('-', start);
    std::string part = region.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
    if (start == 0 || std::isdigit(static_cast<unsigned char>(part.empty() ? 'x' : part[0]))) {
      prefix += part;
    } else {
      std::string abbreviation = part.substr(0, 1);
      for (const auto& [word, initials] : kDirections)
        if (part == word) abbreviation = initials;
      prefix += abbreviation;
    }
    if (dash == std::string::npos) break;
    start = dash + 1;
  }
  std::vector<Zone> zones;
  int n = 0;
  for (const char* suffix : {"a", "b", "c"}) zones.push_back({region + suffix, prefix + "-az" + std::to_string(++n)});
  return zones;
}

std::optional<Zone> find_zone(const std::string& region, const std::string& name_or_id) {
  for (auto& zone : availability_zones(region))
    if (zone.name == name_or_id || zone.id == name_or_id) return zone;
  return std::nullopt;
}

}  // namespace nuage::services::ec2
