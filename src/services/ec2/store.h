// EC2's state: every resource (instance, VPC, subnet, security group, volume,
// ...) is a document shaped like its EC2 output structure (member names of
// the model), plus internal fields whose names start with '_' (the
// serializer ignores members the shape does not have).
//
// Documents live in memory, indexed by account/region/kind/id and by tag
// (key, value) -> ids, and are written through to the table ec2_resources
// (one row per resource) in the same call, so an acknowledged change
// survives kill -9; load() rebuilds memory at start.
//
// Thread-safety: none; the provider serializes access with its own mutex.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "protocol/protocol.h"
#include "storage/database.h"

namespace nuage::services::ec2 {

using Value = protocol::Value;

struct Scope {
  std::string account;
  std::string region;
  bool operator<(const Scope& o) const { return std::tie(account, region) < std::tie(o.account, o.region); }
};

class Store {
 public:
  explicit Store(storage::Database& db);
  Status load();
  void clear();

  // nullptr if absent.
  Value* find(const Scope& scope, const std::string& kind, const std::string& id);
  // All documents of a kind, in id order.
  std::map<std::string, Value>& all(const Scope& scope, const std::string& kind);
  // Ids of `kind` carrying tag key=value (exact).
  const std::set<std::string>* tagged(const Scope& scope, const std::string& kind, const std::string& key,
                                      const std::string& value);
  bool has_scope(const Scope& scope) const { return scopes_.count(scope) > 0; }
  void for_each(const std::string& kind,
                const std::function<void(const Scope&, const std::string& id, const Value& doc)>& fn) const;

  // Inserts or replaces, in memory and in the database.
  Status put(const Scope& scope, const std::string& kind, const std::string& id, Value doc);
  Status erase(const Scope& scope, const std::string& kind, const std::string& id);
  // Runs `body` in one database transaction (for multi-resource changes).
  Status transaction(const std::function<Status()>& body) { return db_.transaction(body); }

 private:
  using TagIndex = std::map<std::pair<std::string, std::string>, std::set<std::string>>;
  struct Kind {
    std::map<std::string, Value> docs;
    TagIndex tags;
  };
  void index_tags(Kind& kind, const std::string& id, const Value& doc, bool add);

  storage::Database& db_;
  std::map<Scope, std::map<std::string, Kind>> scopes_;
};

// The tag list of a document ("Tags" in most shapes).
const Value* tags_of(const Value& doc);

}  // namespace nuage::services::ec2
