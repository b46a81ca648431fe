#include "services/ec2/store.h"

namespace nuage::services::ec2 {

const Value* tags_of(const Value& doc) {
  // Most shapes call the list Tags; network interfaces call it TagSet.
  auto it = doc.find("Tags");
  if (it == doc.end()) it = doc.find("TagSet");
  return it != doc.end() && it->is_array() ? &*it : nullptr;
}

Store::Store(storage::Database& db) : db_(db) {}

Status Store::load() {
  NUAGE_TRY(db_.migrate("ec2", {
      "CREATE TABLE ec2_resources (account TEXT NOT NULL, region TEXT NOT NULL, kind TEXT NOT NULL, "
      "id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, kind, id))",
  }));
  scopes_.clear();
  return db_.exec("SELECT account, region, kind, id, doc FROM ec2_resources", {}, [&](const storage::Row& r) {
    Scope scope{r.text(0), r.text(1)};
    Kind& kind = scopes_[scope][r.text(2)];
    Value doc = Value::parse(r.text(4));
    index_tags(kind, r.text(3), doc, true);
    kind.docs[r.text(3)] = std::make_shared<Value>(std::move(doc));
  });
}

void Store::clear() {
  (void)db_.exec("DELETE FROM ec2_resources");
  scopes_.clear();
}

void Store::for_each(const std::string& kind,
                     const std::function<void(const Scope&, const std::string&, const Value&)>& fn) const {
  for (const auto& [scope, kinds] : scopes_) {
    auto k = kinds.find(kind);
    if (k == kinds.end()) continue;
    for (const auto& [id, doc] : k->second.docs) fn(scope, id, *doc);
  }
}

const Store::Kind* Store::kind_of(const Scope& scope, const std::string& kind) const {
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return nullptr;
  auto k = s->second.find(kind);
  return k == s->second.end() ? nullptr : &k->second;
}

Value* Store::find(const Scope& scope, const std::string& kind, const std::string& id) {
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return nullptr;
  auto k = s->second.find(kind);
  if (k == s->second.end()) return nullptr;
  auto d = k->second.docs.find(id);
  if (d == k->second.docs.end()) return nullptr;
  std::shared_ptr<Value>& doc = d->second;
  // A count above one means a response still holds the document (only this
  // class, under the provider's mutex, makes new references).
  if (doc.use_count() > 1) doc = std::make_shared<Value>(*doc);
  return doc.get();
}

std::shared_ptr<const Value> Store::share(const Scope& scope, const std::string& kind, const std::string& id) const {
  const Kind* k = kind_of(scope, kind);
  if (!k) return nullptr;
  auto d = k->docs.find(id);
  return d == k->docs.end() ? nullptr : d->second;
}

Store::View Store::all(const Scope& scope, const std::string& kind) const {
  const Kind* k = kind_of(scope, kind);
  return View(k ? &k->docs : nullptr);
}

const std::set<std::string>* Store::tagged(const Scope& scope, const std::string& kind, const std::string& key,
                                           const std::string& value) {
  auto& tags = scopes_[scope][kind].tags;
  auto it = tags.find({key, value});
  return it == tags.end() ? nullptr : &it->second;
}

void Store::index_tags(Kind& kind, const std::string& id, const Value& doc, bool add) {
  const Value* tags = tags_of(doc);
  if (!tags) return;
  for (const auto& t : *tags) {
    auto key = std::make_pair(t.value("Key", ""), t.value("Value", ""));
    if (add) {
      kind.tags[key].insert(id);
    } else if (auto it = kind.tags.find(key); it != kind.tags.end()) {
      it->second.erase(id);
      if (it->second.empty()) kind.tags.erase(it);
    }
  }
}

Status Store::put(const Scope& scope, const std::string& kind_name, const std::string& id, Value doc) {
  NUAGE_TRY(db_.exec("INSERT INTO ec2_resources(account, region, kind, id, doc) VALUES(?, ?, ?, ?, ?) "
                     "ON CONFLICT(account, region, kind, id) DO UPDATE SET doc = excluded.doc",
                     {scope.account, scope.region, kind_name, id, doc.dump()}));
  Kind& kind = scopes_[scope][kind_name];
  auto it = kind.docs.find(id);
  if (it == kind.docs.end()) {
    index_tags(kind, id, doc, true);
    // A copy, not a move: the copy's nodes are allocated one after another,
    // while a document built up by a handler has its nodes scattered among
    // temporaries. Answers walk every node; locality halves their cost.
    kind.docs.emplace(id, std::make_shared<Value>(doc));
    return Status::Ok();
  }
  index_tags(kind, id, *it->second, false);
  index_tags(kind, id, doc, true);
  // In place when no response holds the document: pointers from find() stay
  // valid across put(), as handlers expect.
  // (A copy again, for locality.)
  if (it->second.use_count() == 1) *it->second = doc;
  else it->second = std::make_shared<Value>(doc);
  return Status::Ok();
}

Status Store::erase(const Scope& scope, const std::string& kind_name, const std::string& id) {
  NUAGE_TRY(db_.exec("DELETE FROM ec2_resources WHERE account = ? AND region = ? AND kind = ? AND id = ?",
                     {scope.account, scope.region, kind_name, id}));
  Kind& kind = scopes_[scope][kind_name];
  auto it = kind.docs.find(id);
  if (it != kind.docs.end()) {
    index_tags(kind, id, *it->second, false);
    kind.docs.erase(it);
  }
  return Status::Ok();
}

}  // namespace nuage::services::ec2
