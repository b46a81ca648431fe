// Access points: an application's entry into a file system — a root
// directory inside it (created with the given owner and permissions when
// CreationInfo is given, as EFS does at the first mount) and the POSIX user
// its clients act as. Idempotent by ClientToken; at most 10,000 per file
// system (AWS's quota).
#include <sys/stat.h>
#include <unistd.h>

#include "common/text.h"
#include "kit/tagging.h"
#include "services/efs/folders.h"
#include "services/efs/provider.h"

namespace nuage::services::efs {

using kit::Output;
using kit::Value;

namespace {

constexpr size_t kAccessPointsPerFileSystem = 10000;

Value access_point_view(const Value& doc) {
  Value out = doc;
  for (const auto& t : doc["Tags"])
    if (t.value("Key", "") == "Name") out["Name"] = t["Value"];
  return out;
}

}  // namespace

Result<Output> Provider::create_access_point(Context& ctx, const Value& in) {
  std::string fs_id = in.at("FileSystemId");
  auto fs = file_system(ctx, fs_id);
  if (!fs) return fs.take_error();
  std::string token = in.at("ClientToken");
  size_t on_fs = 0;
  for (auto [id, doc] : store_->all(scope_of(ctx), kAccessPoint)) {
    if (doc["ClientToken"] == token)
      return errors("AccessPointAlreadyExists", "Access point '" + id + "' already exists with client token '" +
                                                    token + "'.",
                    Value{{"ErrorCode", "AccessPointAlreadyExists"}, {"AccessPointId", id}});
    if (doc["FileSystemId"] == fs_id) ++on_fs;
  }
  if (on_fs >= kAccessPointsPerFileSystem)
    return error("AccessPointLimitExceeded", "You have reached the maximum number of access points (" +
                                                 std::to_string(kAccessPointsPerFileSystem) + ") for file system '" +
                                                 fs_id + "'.");
  Value root = in.value("RootDirectory", Value::object());
  std::string path = root.value("Path", "/");
  for (const auto& segment : text::split(path, '/'))
    if (segment == "." || segment == "..")
      return error("BadRequest", "RootDirectory.Path must not contain '.' or '..' segments.");
  root["Path"] = path;
  if (root.contains("CreationInfo")) {
    const Value& info = root["CreationInfo"];
    std::string permissions = info.at("Permissions");
    if (permissions.find_first_not_of("01234567") != std::string::npos || permissions.size() < 3 ||
        permissions.size() > 4)
      return error("BadRequest", "CreationInfo.Permissions must be an octal mode such as 0755.");
    // EFS creates the directory when a client first mounts the access point;
    // creating it now is what every later mount sees.
    std::filesystem::path dir = access_point_folder(env_.work_dir, fs_id, path);
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) {
      std::filesystem::create_directories(dir, ec);
      if (ec) return errors("InternalServerError", "cannot create the access point's directory: " + ec.message());
      ::chmod(dir.c_str(), static_cast<mode_t>(std::stoul(permissions, nullptr, 8)));
      if (::geteuid() == 0)  // only root can give files away; otherwise they stay nuage's
        (void)::chown(dir.c_str(), static_cast<uid_t>(info.at("OwnerUid").get<int64_t>()),
                      static_cast<gid_t>(info.at("OwnerGid").get<int64_t>()));
    }
  }
  std::string id = new_id("fsap");
  Value doc = {{"ClientToken", token},
               {"AccessPointId", id},
               {"AccessPointArn", arn(ctx, "access-point", id)},
               {"FileSystemId", fs_id},
               {"RootDirectory", root},
               {"OwnerId", ctx.account_id},
               {"LifeCycleState", "available"},
               {"Tags", in.value("Tags", Value::array())}};
  if (in.contains("PosixUser")) doc["PosixUser"] = in["PosixUser"];
  if (doc["Tags"].size() > 50) return error("BadRequest", "Tag limit exceeded: a resource can have at most 50 tags.");
  NUAGE_TRY(store_->put(scope_of(ctx), kAccessPoint, id, doc));
  Output out;
  out.value = access_point_view(doc);
  out.value["LifeCycleState"] = "creating";
  return out;
}

Result<Output> Provider::describe_access_points(Context& ctx, const Value& in) {
  if (in.contains("AccessPointId") && in.contains("FileSystemId"))
    return error("BadRequest", "Specify either AccessPointId or FileSystemId, not both.");
  std::vector<const Value*> found;
  if (in.contains("AccessPointId")) {
    std::string id = in["AccessPointId"];
    id = id.substr(id.rfind('/') + 1);
    const Value* doc = store_->get(scope_of(ctx), kAccessPoint, id);
    if (!doc) return error("AccessPointNotFound", "Access point '" + id + "' does not exist.");
    found.push_back(doc);
  } else {
    if (in.contains("FileSystemId")) {
      auto fs = file_system(ctx, in["FileSystemId"]);
      if (!fs) return fs.take_error();
    }
    for (auto [id, doc] : store_->all(scope_of(ctx), kAccessPoint))
      if (!in.contains("FileSystemId") || doc["FileSystemId"] == in["FileSystemId"]) found.push_back(&doc);
  }
  auto start = page_start(in, "NextToken", found.size());
  if (!start) return start.take_error();
  size_t max = static_cast<size_t>(std::clamp<int64_t>(in.value("MaxResults", int64_t{100}), 1, 100));
  Output out;
  out.value["AccessPoints"] = Value::array();
  for (size_t i = *start; i < found.size() && i < *start + max; ++i)
    out.value["AccessPoints"].push_back(access_point_view(*found[i]));
  if (*start + max < found.size()) out.value["NextToken"] = std::to_string(*start + max);
  return out;
}

Result<Output> Provider::delete_access_point(Context& ctx, const Value& in) {
  std::string id = in.at("AccessPointId");
  if (!store_->get(scope_of(ctx), kAccessPoint, id))
    return error("AccessPointNotFound", "Access point '" + id + "' does not exist.");
  // The files stay: they belong to the file system, not to the access point.
  NUAGE_TRY(store_->erase(scope_of(ctx), kAccessPoint, id));
  return Output{};
}

}  // namespace nuage::services::efs
