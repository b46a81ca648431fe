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
// Documents are shared copy-on-write: share() hands a response a reference
// to a stored document instead of a deep copy (a page of 1,000 instances is
// megabytes of nodes), and find() copies a document before handing it out
// for change while such a response still holds it.
//
// Thread-safety: none; the provider serializes access with its own mutex.
// A shared document is never changed, so responses may read it unlocked.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "kit/value.h"
#include "storage/database.h"

namespace nuage::services::ec2 {

using Value = kit::Value;

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

  using Docs = std::map<std::string, std::shared_ptr<Value>>;
  // Read-only view of a kind's documents in id order; iterating yields
  // (id, document) pairs.
  class View {
   public:
    class iterator {
     public:
      explicit iterator(Docs::const_iterator it) : it_(it) {}
      std::pair<const std::string&, const Value&> operator*() const { return {it_->first, *it_->second}; }
      iterator& operator++() {
        ++it_;
        return *this;
      }
      bool operator!=(const iterator& o) const { return it_ != o.it_; }

     private:
      Docs::const_iterator it_;
    };
    explicit View(const Docs* docs) : docs_(docs) {}
    iterator begin() const { return iterator(docs_ ? docs_->begin() : no_docs().begin()); }
    iterator end() const { return iterator(docs_ ? docs_->end() : no_docs().end()); }
    bool empty() const { return !docs_ || docs_->empty(); }
    size_t size() const { return docs_ ? docs_->size() : 0; }

   private:
    static const Docs& no_docs() {
      static const Docs kNone;
      return kNone;
    }
    const Docs* docs_;
  };

  // For reading or changing in place before put(); nullptr if absent.
  Value* find(const Scope& scope, const std::string& kind, const std::string& id);
  // For a response: the stored document itself, never to be changed.
  std::shared_ptr<const Value> share(const Scope& scope, const std::string& kind, const std::string& id) const;
  View all(const Scope& scope, const std::string& kind) const;
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
    Docs docs;
    TagIndex tags;
  };
  void index_tags(Kind& kind, const std::string& id, const Value& doc, bool add);
  const Kind* kind_of(const Scope& scope, const std::string& kind) const;

  storage::Database& db_;
  std::map<Scope, std::map<std::string, Kind>> scopes_;
};

// The tag list of a document ("Tags" in most shapes).
const Value* tags_of(const Value& doc);

}  // namespace nuage::services::ec2
