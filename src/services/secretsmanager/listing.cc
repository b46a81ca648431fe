// ListSecrets: filters (AWS's prefix matches, "!" negation, "all" by
// words), sorting and pagination.
#include <algorithm>
#include <cctype>

#include "common/text.h"
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"
#include "storage/resource_store.h"

namespace nuage::services::secretsmanager {

using namespace detail;
using kit::Output;
using kit::Value;

namespace detail {

namespace {

bool prefix_match(const std::string& text, const std::string& prefix, bool case_sensitive) {
  return case_sensitive ? text::starts_with(text, prefix) : text::starts_with(text::lower(text), text::lower(prefix));
}

// One filter value against the secret, without its "!".
bool matches_value(const Value& secret, const std::string& key, const std::string& wanted) {
  auto tags = secret.value("Tags", Value::array());
  if (key == "name") return prefix_match(secret.value("Name", ""), wanted, true);
  if (key == "description") return prefix_match(secret.value("Description", ""), wanted, false);
  if (key == "primary-region") return prefix_match(secret.value("PrimaryRegion", ""), wanted, true);
  if (key == "owning-service") return prefix_match(secret.value("OwningService", ""), wanted, true);
  if (key == "tag-key" || key == "tag-value") {
    for (const auto& tag : tags)
      if (prefix_match(tag.value(key == "tag-key" ? "Key" : "Value", ""), wanted, true)) return true;
    return false;
  }
  if (key == "all") {
    // Every word of the value must begin some word of the secret's attributes.
    std::vector<std::string> attributes{secret.value("Name", ""), secret.value("Description", "")};
    for (const auto& tag : tags) {
      attributes.push_back(tag.value("Key", ""));
      attributes.push_back(tag.value("Value", ""));
    }
    for (const auto& word : text::split(wanted, ' ')) {
      if (word.empty()) continue;
      bool any = false;
      for (const auto& attribute : attributes)
        for (const auto& part : text::split(attribute, ' '))
          if (prefix_match(part, word, false)) any = true;
      if (!any) return false;
    }
    return true;
  }
  return false;
}

}  // namespace

Status check_filters(const Value& filters) {
  for (const auto& f : filters)
    if (!f.contains("Key") || f.value("Values", Value::array()).empty())
      return invalid_parameter("Invalid filter: a filter needs a Key and at least one value.");
  return Status::Ok();
}

bool matches_filters(const Value& secret, const Value& filters) {
  for (const auto& f : filters) {
    std::string key = f.value("Key", "");
    bool any = false;
    for (const auto& v : f["Values"]) {
      std::string wanted = v;
      bool negate = text::starts_with(wanted, "!");
      if (negate) wanted = wanted.substr(1);
      if (matches_value(secret, key, wanted) != negate) any = true;
    }
    if (!any) return false;
  }
  return true;
}

Result<size_t> listing_offset(const Value& in) {
  if (!in.contains("NextToken")) return size_t{0};
  auto decoded = storage::ResourceStore::from_page_token(in["NextToken"].get<std::string>());
  if (decoded && !decoded->empty() && std::all_of(decoded->begin(), decoded->end(), ::isdigit) && decoded->size() < 10)
    return static_cast<size_t>(std::stoul(*decoded));
  return errors("InvalidNextTokenException", "The NextToken value is invalid.");
}

std::string listing_token(size_t offset) { return storage::ResourceStore::page_token(std::to_string(offset)); }

}  // namespace detail

Result<Output> Provider::list_secrets(Context& ctx, const Value& in) {
  Value filters = in.value("Filters", Value::array());
  NUAGE_TRY(check_filters(filters));
  auto offset = listing_offset(in);
  if (!offset) return offset.error();
  bool planned = in.value("IncludePlannedDeletion", false);
  std::string sort_by = in.value("SortBy", "created-date");
  bool descending = in.value("SortOrder", "asc") == "desc";
  size_t limit = in.value("MaxResults", 100);
  std::vector<const Value*> picked;
  for (auto [name, secret] : store_->all(scope_of(ctx), kSecret)) {
    if (secret.contains("DeletedDate") && !planned) continue;
    if (matches_filters(secret, filters)) picked.push_back(&secret);
  }
  const char* member = sort_by == "name"                 ? "Name"
                       : sort_by == "last-accessed-date" ? "LastAccessedDate"
                       : sort_by == "last-changed-date"  ? "LastChangedDate"
                                                         : "CreatedDate";
  std::stable_sort(picked.begin(), picked.end(), [&](const Value* a, const Value* b) {
    const Value& x = a->contains(member) ? (*a)[member] : Value(0);
    const Value& y = b->contains(member) ? (*b)[member] : Value(0);
    return descending ? y < x : x < y;
  });
  Output out = answer(Value{{"SecretList", Value::array()}});
  for (size_t i = *offset; i < picked.size() && i < *offset + limit; ++i)
    out.value["SecretList"].push_back(describe(*picked[i], true));
  if (*offset + limit < picked.size()) out.value["NextToken"] = listing_token(*offset + limit);
  return out;
}

}  // namespace nuage::services::secretsmanager
