// The resource store: the resource-shaped state of a service (instances,
// security groups, rules, schedules, parameters, functions ...) as JSON
// documents, each named by scope (account, region), kind and id.
//
// Documents live in memory, indexed by scope/kind/id and by tag
// (key, value) -> ids, and are written through to the shared table
// `resources` (one row per document) in the same call, so an acknowledged
// change survives kill -9; open() loads them back at start. Services whose
// data is not resource-shaped (S3 objects, log events, datapoints) keep their
// own tables instead.
//
// Documents are shared copy-on-write: share() hands a response a reference to
// a stored document instead of a deep copy, and find() copies a document
// before handing it out for change while an answer (or a change
// notification) still holds it. A document found for change must be put()
// (or the change dropped by not calling put and not using it again).
//
// Every committed put/erase is announced on the bus as an
// events::ResourceChange (AWS Config records from them). Inside transaction(),
// memory and announcements follow the database: a failed body rolls back the
// rows, restores the documents and announces nothing. With a guard (the
// provider's mutex), the store is also an inventory source of the bus: asked
// for a scope, it announces every document of it (taking the guard).
//
// Tags: each document carries its tags in one member, in the form of the
// service's output shape: a list [{"Key", "Value"}] under "Tags" unless the
// kind is declared otherwise (EC2's network interfaces use "TagSet"; Lambda
// keeps a map {"key": "value"}).
//
// Thread-safety: none; the provider serializes access with its own mutex.
// A shared document is never changed, so answers may read it unlocked.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/error.h"
#include "events/bus.h"
#include "storage/database.h"

namespace nuage::storage {

using Document = nlohmann::json;
using Tags = std::vector<std::pair<std::string, std::string>>;

struct Scope {
  std::string account;
  std::string region;
  bool operator<(const Scope& o) const { return std::tie(account, region) < std::tie(o.account, o.region); }
  bool operator==(const Scope& o) const { return account == o.account && region == o.region; }
};

class ResourceStore {
 public:
  struct KindSpec {
    std::string tags_member = "Tags";
    bool tags_as_map = false;  // {"k": "v"} instead of [{"Key": "k", "Value": "v"}]
  };
  struct Options {
    std::string service;  // model name: the documents' namespace in `resources`
    // The service's own earlier migrations, run after the store's table
    // exists: a provider that kept its documents in a table of its own moves
    // them into `resources` with one more step.
    std::vector<std::string> legacy_migrations;
    // The component those migrations were recorded under, when it is not the
    // service's name (EventBridge's model is "events", its table was the
    // component "eventbridge").
    std::string legacy_component;
    std::map<std::string, KindSpec> kinds;  // kinds not listed: KindSpec{}
    events::Bus* bus = nullptr;             // change announcements; none if null
    const Clock* clock = nullptr;           // the changes' time
    // The mutex the provider guards the store with: set, the store answers
    // the bus's inventory requests (AWS Config's discovery).
    std::mutex* guard = nullptr;
  };
  // Opens the store and loads every document of the service. Fails with the
  // database's error (a failed migration, an unreadable row).
  static Result<std::unique_ptr<ResourceStore>> open(Database& db, Options options);
  ~ResourceStore();
  ResourceStore(const ResourceStore&) = delete;
  ResourceStore& operator=(const ResourceStore&) = delete;

  using Docs = std::map<std::string, std::shared_ptr<Document>>;
  // Read-only view of a kind's documents in id order; iterating yields
  // (id, document) pairs.
  class View {
   public:
    class iterator {
     public:
      explicit iterator(Docs::const_iterator it) : it_(it) {}
      std::pair<const std::string&, const Document&> operator*() const { return {it_->first, *it_->second}; }
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
    // From the first id greater than `id` (pagination).
    iterator after(const std::string& id) const {
      return iterator(docs_ ? docs_->upper_bound(id) : no_docs().end());
    }
    // From the first id not less than `id`: ids sharing a prefix are one
    // range, so from(prefix) walks them while they start with it.
    iterator from(const std::string& id) const {
      return iterator(docs_ ? docs_->lower_bound(id) : no_docs().end());
    }
    bool empty() const { return !docs_ || docs_->empty(); }
    size_t size() const { return docs_ ? docs_->size() : 0; }

   private:
    static const Docs& no_docs() {
      static const Docs kNone;
      return kNone;
    }
    const Docs* docs_;
  };

  // --- reading
  // For reading only; nullptr if absent.
  const Document* get(const Scope& scope, const std::string& kind, const std::string& id) const;
  // For changing in place before put(); nullptr if absent.
  Document* find(const Scope& scope, const std::string& kind, const std::string& id);
  // For an answer: the stored document itself, never to be changed.
  std::shared_ptr<const Document> share(const Scope& scope, const std::string& kind, const std::string& id) const;
  View all(const Scope& scope, const std::string& kind) const;
  // Ids of `kind` carrying tag key=value (exact).
  const std::set<std::string>* tagged(const Scope& scope, const std::string& kind, const std::string& key,
                                      const std::string& value) const;
  bool has_scope(const Scope& scope) const { return scopes_.count(scope) > 0; }
  // Every document of `kind` in every scope.
  void for_each(const std::string& kind,
                const std::function<void(const Scope&, const std::string& id, const Document& doc)>& fn) const;

  // --- writing
  // Inserts or replaces, in memory and in the database.
  Status put(const Scope& scope, const std::string& kind, const std::string& id, Document doc);
  Status erase(const Scope& scope, const std::string& kind, const std::string& id);
  // Runs `body` in one database transaction (multi-resource changes); on
  // failure the documents it put or erased are as before. Nests.
  Status transaction(const std::function<Status()>& body);
  // Forgets every document of the service (POST /_nuage/reset); announces nothing.
  void clear();

  // --- tags
  Tags tags(const Scope& scope, const std::string& kind, const std::string& id) const;
  // Sets (adds or overwrites) / removes tags of a stored document and stores it.
  Status tag(const Scope& scope, const std::string& kind, const std::string& id, const Tags& add);
  Status untag(const Scope& scope, const std::string& kind, const std::string& id,
               const std::vector<std::string>& keys);
  // The tags of a document in its kind's form.
  Tags tags_of(const std::string& kind, const Document& doc) const;

  // --- pagination: opaque tokens naming the last id of a page.
  static std::string page_token(const std::string& last_id);
  static std::optional<std::string> from_page_token(const std::string& token);

  const std::string& service() const { return options_.service; }

 private:
  struct Kind {
    Docs docs;
    std::map<std::pair<std::string, std::string>, std::set<std::string>> tags;
  };
  struct Undo {
    Scope scope;
    std::string kind, id;
    std::shared_ptr<Document> previous;  // null: absent before
  };

  ResourceStore(Database& db, Options options) : db_(db), options_(std::move(options)) {}
  Status load();
  const Kind* kind_of(const Scope& scope, const std::string& kind) const;
  const KindSpec& spec(const std::string& kind) const;
  void index_tags(Kind& kind, const std::string& kind_name, const std::string& id, const Document& doc, bool add);
  void remember(const Scope& scope, const std::string& kind, const std::string& id,
                const std::shared_ptr<Document>& previous);
  void announce(events::ResourceChange change);
  void set_doc(const Scope& scope, const std::string& kind, const std::string& id, std::shared_ptr<Document> doc);
  // Announces every document of the account (and region, unless "").
  void announce_inventory(const std::string& account, const std::string& region);

  Database& db_;
  Options options_;
  std::map<Scope, std::map<std::string, Kind>> scopes_;
  int transaction_depth_ = 0;
  std::vector<Undo> undo_;
  std::set<std::tuple<std::string, std::string, std::string, std::string>> undone_;  // keys in undo_
  std::vector<events::ResourceChange> pending_;
  events::Bus::SubscriptionId inventory_source_ = 0;
};

}  // namespace nuage::storage
