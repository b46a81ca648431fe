// The general helpers of internal.h (the views live with their groups).
#include "services/iam/internal.h"

#include "common/text.h"

namespace nuage::services::iam {

std::string str(const kit::Value& in, const char* key, const std::string& fallback) {
  return in.contains(key) && in[key].is_string() ? in[key].get<std::string>() : fallback;
}

void page(kit::Output& out, const char* member, const json& items, const kit::Value& in) {
  size_t start = 0;
  if (in.contains("Marker")) start = std::strtoul(in["Marker"].get<std::string>().c_str(), nullptr, 10);
  size_t max = in.contains("MaxItems") ? in["MaxItems"].get<size_t>() : 100;
  json slice = json::array();
  for (size_t i = start; i < items.size() && slice.size() < max; ++i) slice.push_back(items[i]);
  out.value[member] = slice;
  bool truncated = start + slice.size() < items.size();
  out.value["IsTruncated"] = truncated;
  if (truncated) out.value["Marker"] = std::to_string(start + slice.size());
}

bool path_prefix_ok(const kit::Value& in, const std::string& path) {
  return !in.contains("PathPrefix") || text::starts_with(path, in["PathPrefix"].get<std::string>());
}

json boundary_view(const std::string& arn) {
  return {{"PermissionsBoundaryType", "PermissionsBoundaryPolicy"}, {"PermissionsBoundaryArn", arn}};
}

}  // namespace nuage::services::iam
