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
// The latest item of every resource is also kept in memory (loaded from
// the tables on first use), so that recording a change, reading a
// resource's latest item and a whole rule evaluation read no SQL: the cache
// is updated only after the statements that write it succeeded. A caller
// whose enclosing transaction rolled back calls discard_cache(), and the
// next use reloads from the tables.
//
// Thread-safety: none of its own; the provider calls it under its mutex
// (the database serializes statements).
#pragma once

#include <compare>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
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
// Items are shared, never changed once recorded.
using ItemPtr = std::shared_ptr<const Item>;

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
  // `source` ("ec2/security-group/sg-1"); null when Config would show
  // nothing new. `previous` receives the item it follows (if any). Capture
  // times of one resource strictly increase (by 1 ms on a frozen clock).
  Result<ItemPtr> record(const std::string& account, const std::string& region, const std::string& source,
                         Described resource, double now, ItemPtr* previous = nullptr);
  // Records the deletion of the resource announced under `source`; null
  // when it was never recorded or is deleted already.
  Result<ItemPtr> record_deletion(const std::string& account, const std::string& region, const std::string& source,
                                  double now, ItemPtr* previous = nullptr);

  // The latest item of a resource, deleted or not (null: never recorded).
  Result<ItemPtr> latest(const std::string& account, const std::string& region, const std::string& type,
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
  // every type), in (type, resource id) order. `fn` must not record.
  Status for_each_current(const std::string& account, const std::string& region, const std::string& type,
                          const std::function<void(const ItemPtr&)>& fn) const;
  // Items recorded after `seq`, in order (history delivery).
  Status for_each_since(const std::string& account, const std::string& region, int64_t seq,
                        const std::function<void(const Item&)>& fn) const;
  // Until flush(), recorded items are written later, all in one
  // transaction (a burst of changes); they are visible here at once.
  void defer_writes();
  // Writes the deferred items. On failure they are forgotten (the next use
  // reloads from the tables) and the error returned.
  Status flush();
  // Forgets the in-memory items (an enclosing transaction rolled back).
  void discard_cache();

 private:
  struct Key {
    std::string account, region, type, id;
    auto operator<=>(const Key&) const = default;
  };
  // What config_resources holds of a resource, with its latest item.
  struct Current {
    std::string source, fingerprint;
    ItemPtr item;
  };
  // An item recorded, not written yet.
  struct Pending {
    ItemPtr item;
    std::string source, fingerprint;
    std::string stored;  // the item column
  };
  Status load() const;
  // The resource announced under `source` and not deleted (nullptr: none).
  const Current* by_source(const std::string& account, const std::string& region, const std::string& source) const;
  // Gives `item` the next seq, makes it its resource's latest and writes
  // it (or defers the write).
  Status append(std::shared_ptr<Item> item, const std::string& source, std::string fingerprint);
  Status write(const Pending& pending);

  storage::Database& db_;
  mutable bool loaded_ = false;
  mutable std::map<Key, Current> current_;
  // (account, region, source) -> the resource last announced under it.
  mutable std::map<std::tuple<std::string, std::string, std::string>, Key> sources_;
  mutable int64_t next_seq_ = 1;
  bool deferring_ = false;
  std::vector<Pending> pending_;
};

}  // namespace nuage::services::config
