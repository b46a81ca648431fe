// The configuration items AWS Config has recorded: a history per resource
// (table config_items, indexed by resource and capture time for
// GetResourceConfigHistory's time ranges) and the resources it has
// discovered (table config_resources: each resource's latest item, its
// name, whether it was deleted, and the store key it was announced under).
//
// An item is recorded only when what Config shows of the resource changed
// (configuration, supplementary configuration, relationships, tags): the
// fingerprint of the latest item is kept beside it. Statuses follow AWS:
// ResourceDiscovered for the first item (or the first after a deletion),
// OK for changes, ResourceDeleted for deletions; configurationStateId is
// the capture time in milliseconds, kept strictly increasing per resource.
//
// The forms an item takes on the way out live here too: the API's
// ConfigurationItem / BaseConfigurationItem (configuration as a JSON
// string), and the notification form that rules' events, EventBridge and
// the delivered files carry (configuration as an object, "ARN", "name" in
// relationships, numeric configurationStateId).
//
// Thread-safety: none of its own; the provider calls it under its mutex
// (the database serializes statements).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "kit/value.h"
#include "services/config/resource_types.h"
#include "storage/database.h"

namespace nuage::services::config {

struct Item {
  int64_t seq = 0;
  std::string account, region;  // the recorder's scope
  std::string status;           // ResourceDiscovered, OK, ResourceDeleted
  double capture_time = 0;
  int64_t state_id = 0;
  std::string md5;
  Described resource;  // configuration null for a deleted resource

  bool deleted() const { return status == "ResourceDeleted"; }
};

// ConfigurationItem of the API (GetResourceConfigHistory).
Value api_item(const Item& item);
// BaseConfigurationItem (BatchGetResourceConfig).
Value base_item(const Item& item);
// The notification form (rules' invoking events, EventBridge, S3 files).
Value notification_item(const Item& item);
// configurationItemDiff between two notification forms (previous null: a
// creation); null when nothing differs.
Value item_diff(const Value& previous, const Value& current);

struct DiscoveredResource {
  std::string type, id, name;
  std::optional<double> deleted_time;
};

class ItemLog {
 public:
  explicit ItemLog(storage::Database& db) : db_(db) {}
  Status open();
  Status clear();

  // Records `resource` as the next item of the resource announced under
  // `source` ("ec2/security-group/sg-1"); nullopt when Config would show
  // nothing new. `previous` receives the item it follows (if any). Capture
  // times of one resource strictly increase (by 1 ms on a frozen clock).
  Result<std::optional<Item>> record(const std::string& account, const std::string& region, const std::string& source,
                                     Described resource, double now, std::optional<Item>* previous = nullptr);
  // Records the deletion of the resource announced under `source`; nullopt
  // when it was never recorded or is deleted already.
  Result<std::optional<Item>> record_deletion(const std::string& account, const std::string& region,
                                              const std::string& source, double now,
                                              std::optional<Item>* previous = nullptr);

  Result<std::optional<Item>> latest(const std::string& account, const std::string& region, const std::string& type,
                                     const std::string& id) const;
  // Items of one resource within [earlier, later] (capture times), oldest
  // first when `forward`; at most `limit`, starting after the item `after`
  // (a seq, 0 for none). Returns the items and the seq to resume after (0:
  // no more).
  Result<std::pair<std::vector<Item>, int64_t>> history(const std::string& account, const std::string& region,
                                                        const std::string& type, const std::string& id,
                                                        std::optional<double> earlier, std::optional<double> later,
                                                        bool forward, int limit, int64_t after) const;
  // Discovered resources of a type in id order, from the id after `after`,
  // only those named `name` unless it is "".
  Result<std::vector<DiscoveredResource>> discovered(const std::string& account, const std::string& region,
                                                     const std::string& type, const std::string& name,
                                                     bool include_deleted, const std::string& after, int limit) const;
  // Resources not deleted, per type.
  Result<std::vector<std::pair<std::string, int64_t>>> counts(const std::string& account,
                                                              const std::string& region) const;
  // The latest item of every resource of `type` that is not deleted ("" for
  // every type), in resource id order.
  Status for_each_current(const std::string& account, const std::string& region, const std::string& type,
                          const std::function<void(const Item&)>& fn) const;
  // Items recorded after `seq`, in order (history delivery).
  Status for_each_since(const std::string& account, const std::string& region, int64_t seq,
                        const std::function<void(const Item&)>& fn) const;
 private:
  storage::Database& db_;
};

}  // namespace nuage::services::config
