#include "services/lambda/file_systems.h"

#include <filesystem>

#include "common/text.h"
#include "services/efs/folders.h"
#include "services/lambda/errors.h"

namespace nuage::services::lambda::file_systems {

using kit::Value;

Result<Value> resolve(const kit::Environment& env, const Ref& ref, const Value& configs) {
  Value out = Value::array();
  for (const auto& config : configs) {
    std::string arn = config.at("Arn");
    std::string mount = config.at("LocalMountPath");
    auto parts = text::split(arn, ':');
    if (parts.size() < 6 || parts[3] != ref.region || parts[4] != ref.account)
      return errors("InvalidParameterValueException",
                    "The EFS access point " + arn + " is not in the function's account and Region.");
    std::string id = arn.substr(arn.rfind('/') + 1);
    auto found = env.call("efs", "DescribeAccessPoints", Value{{"AccessPointId", id}},
                          kit::Environment::service_principal("lambda.amazonaws.com", ref.account), ref.region);
    if (!found || found->value.value("AccessPoints", Value::array()).empty())
      return errors("InvalidParameterValueException", "The EFS access point " + arn + " does not exist.");
    const Value& point = found->value["AccessPoints"][0];
    std::string root = point.value("RootDirectory", Value::object()).value("Path", "/");
    std::filesystem::path folder = efs::access_point_folder(env.work_dir, point.at("FileSystemId"), root);
    out.push_back({{"Arn", arn}, {"LocalMountPath", mount}, {"Folder", folder.string()}});
  }
  return out;
}

Value public_view(const Value& resolved) {
  Value out = Value::array();
  for (const auto& fs : resolved) out.push_back({{"Arn", fs["Arn"]}, {"LocalMountPath", fs["LocalMountPath"]}});
  return out;
}

Status check_mountable(const Value& resolved) {
  for (const auto& fs : resolved) {
    std::error_code ec;
    if (!std::filesystem::is_directory(fs.value("Folder", ""), ec))
      return errors("EFSMountFailureException",
                    "The function couldn't mount the EFS file system with access point " +
                        fs["Arn"].get<std::string>() + ": its root directory does not exist.");
  }
  return Status::Ok();
}

}  // namespace nuage::services::lambda::file_systems
