#include "services/kms/paging.h"

#include "common/text.h"
#include "services/kms/internal.h"

namespace nuage::services::kms {

Result<kit::Output> list_page(const storage::ResourceStore::View& view, const std::string& prefix, const kit::Value& in,
                              size_t default_limit, const char* member,
                              const std::function<std::optional<kit::Value>(const std::string& id,
                                                                            const kit::Value& doc)>& entry) {
  size_t limit = in.value("Limit", default_limit);
  auto it = view.from(prefix);
  if (in.contains("Marker")) {
    auto after = storage::ResourceStore::from_page_token(in["Marker"]);
    if (!after || !text::starts_with(*after, prefix)) return detail::errors("InvalidMarkerException", "Invalid marker");
    it = view.after(*after);
  }
  auto within = [&] { return it != view.end() && text::starts_with((*it).first, prefix); };
  kit::Output out;
  out.value[member] = kit::Value::array();
  std::string last;
  for (size_t walked = 0; within() && walked < limit; ++it, ++walked) {
    last = (*it).first;
    if (auto listed = entry((*it).first, (*it).second)) out.value[member].push_back(std::move(*listed));
  }
  out.value["Truncated"] = within();
  if (within()) out.value["NextMarker"] = storage::ResourceStore::page_token(last);
  return out;
}

}  // namespace nuage::services::kms
