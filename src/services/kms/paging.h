// KMS's list pagination (Limit, Marker → Truncated, NextMarker) over the
// documents of one kind, in id order: ListKeys, ListAliases, ListGrants,
// ListRetirableGrants.
// Thread-safety: reads the view; the caller holds the provider's mutex.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/error.h"
#include "kit/value.h"
#include "storage/resource_store.h"

namespace nuage::services::kms {

// One page of the documents whose ids start with `prefix`, into
// out[member]: `entry` turns a document into its list entry, or nullopt to
// skip it (a filter; skipped documents still count towards the page's walk).
Result<kit::Output> list_page(const storage::ResourceStore::View& view, const std::string& prefix, const kit::Value& in,
                              size_t default_limit, const char* member,
                              const std::function<std::optional<kit::Value>(const std::string& id,
                                                                            const kit::Value& doc)>& entry);

}  // namespace nuage::services::kms
