#include "storage/resource_store.h"

#include <algorithm>

#include "common/text.h"

namespace nuage::storage {

Result<std::unique_ptr<ResourceStore>> ResourceStore::open(Database& db, Options options) {
  NUAGE_TRY(db.migrate("resources", {
      "CREATE TABLE resources (service TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, "
      "kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (service, account, region, kind, id))",
  }));
  if (!options.legacy_migrations.empty())
    NUAGE_TRY(db.migrate(options.legacy_component.empty() ? options.service : options.legacy_component,
                         options.legacy_migrations));
  std::unique_ptr<ResourceStore> store(new ResourceStore(db, std::move(options)));
  NUAGE_TRY(store->load());
  if (store->options_.bus && store->options_.guard) {
    ResourceStore* self = store.get();
    store->inventory_source_ = store->options_.bus->add_inventory_source(
        [self](const std::string& account, const std::string& region) {
          std::lock_guard lock(*self->options_.guard);
          self->announce_inventory(account, region);
        });
  }
  return store;
}

ResourceStore::~ResourceStore() {
  if (inventory_source_) options_.bus->remove_inventory_source(inventory_source_);
}

void ResourceStore::announce_inventory(const std::string& account, const std::string& region) {
  for (const auto& [scope, kinds] : scopes_) {
    if (scope.account != account || (!region.empty() && scope.region != region)) continue;
    for (const auto& [kind, k] : kinds)
      for (const auto& [id, doc] : k.docs) {
        events::ResourceChange change;
        change.service = options_.service;
        change.kind = kind;
        change.account = scope.account;
        change.region = scope.region;
        change.id = id;
        change.document = doc;
        if (options_.clock) change.time = options_.clock->now();
        options_.bus->publish_change(std::move(change));
      }
  }
}

Status ResourceStore::load() {
  scopes_.clear();
  Status parsed;
  NUAGE_TRY(db_.exec("SELECT account, region, kind, id, doc FROM resources WHERE service = ?", {options_.service},
                     [&](const Row& r) {
                       Document doc = Document::parse(r.text(4), nullptr, false);
                       if (doc.is_discarded()) {
                         parsed = internal_error("unreadable " + options_.service + " " + r.text(2) + " " +
                                                 r.text(3) + " in the database");
                         return;
                       }
                       Kind& kind = scopes_[Scope{r.text(0), r.text(1)}][r.text(2)];
                       index_tags(kind, r.text(2), r.text(3), doc, true);
                       kind.docs[r.text(3)] = std::make_shared<Document>(std::move(doc));
                     }));
  return parsed;
}

void ResourceStore::clear() {
  (void)db_.exec("DELETE FROM resources WHERE service = ?", {options_.service});
  scopes_.clear();
  undo_.clear();
  undone_.clear();
  pending_.clear();
}

const ResourceStore::KindSpec& ResourceStore::spec(const std::string& kind) const {
  static const KindSpec kDefault;
  auto it = options_.kinds.find(kind);
  return it == options_.kinds.end() ? kDefault : it->second;
}

const ResourceStore::Kind* ResourceStore::kind_of(const Scope& scope, const std::string& kind) const {
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return nullptr;
  auto k = s->second.find(kind);
  return k == s->second.end() ? nullptr : &k->second;
}

const Document* ResourceStore::get(const Scope& scope, const std::string& kind, const std::string& id) const {
  const Kind* k = kind_of(scope, kind);
  if (!k) return nullptr;
  auto d = k->docs.find(id);
  return d == k->docs.end() ? nullptr : d->second.get();
}

Document* ResourceStore::find(const Scope& scope, const std::string& kind, const std::string& id) {
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return nullptr;
  auto k = s->second.find(kind);
  if (k == s->second.end()) return nullptr;
  auto d = k->second.docs.find(id);
  if (d == k->second.docs.end()) return nullptr;
  std::shared_ptr<Document>& doc = d->second;
  remember(scope, kind, id, doc);
  // A count above one means an answer, a change notification or an undo
  // record still holds the document (only this class makes references).
  if (doc.use_count() > 1) doc = std::make_shared<Document>(*doc);
  return doc.get();
}

std::shared_ptr<const Document> ResourceStore::share(const Scope& scope, const std::string& kind,
                                                     const std::string& id) const {
  const Kind* k = kind_of(scope, kind);
  if (!k) return nullptr;
  auto d = k->docs.find(id);
  return d == k->docs.end() ? nullptr : d->second;
}

ResourceStore::View ResourceStore::all(const Scope& scope, const std::string& kind) const {
  const Kind* k = kind_of(scope, kind);
  return View(k ? &k->docs : nullptr);
}

const std::set<std::string>* ResourceStore::tagged(const Scope& scope, const std::string& kind,
                                                   const std::string& key, const std::string& value) const {
  const Kind* k = kind_of(scope, kind);
  if (!k) return nullptr;
  auto it = k->tags.find({key, value});
  return it == k->tags.end() ? nullptr : &it->second;
}

void ResourceStore::for_each(const std::string& kind,
                             const std::function<void(const Scope&, const std::string&, const Document&)>& fn) const {
  for (const auto& [scope, kinds] : scopes_) {
    auto k = kinds.find(kind);
    if (k == kinds.end()) continue;
    for (const auto& [id, doc] : k->second.docs) fn(scope, id, *doc);
  }
}

Tags ResourceStore::tags_of(const std::string& kind, const Document& doc) const {
  Tags out;
  const KindSpec& s = spec(kind);
  auto it = doc.find(s.tags_member);
  if (it == doc.end()) return out;
  if (it->is_object()) {
    for (const auto& [k, v] : it->items()) out.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  } else if (it->is_array()) {
    for (const auto& t : *it)
      if (t.is_object()) out.emplace_back(t.value("Key", ""), t.value("Value", ""));
  }
  return out;
}

void ResourceStore::index_tags(Kind& kind, const std::string& kind_name, const std::string& id, const Document& doc,
                               bool add) {
  for (auto& tag : tags_of(kind_name, doc)) {
    if (add) {
      kind.tags[tag].insert(id);
    } else if (auto it = kind.tags.find(tag); it != kind.tags.end()) {
      it->second.erase(id);
      if (it->second.empty()) kind.tags.erase(it);
    }
  }
}

void ResourceStore::remember(const Scope& scope, const std::string& kind, const std::string& id,
                             const std::shared_ptr<Document>& previous) {
  if (transaction_depth_ == 0) return;
  // The oldest state is what a rollback restores. Holding the document makes
  // any later change to it in this transaction copy on write.
  if (!undone_.insert({scope.account, scope.region, kind, id}).second) return;
  undo_.push_back({scope, kind, id, previous});
}

void ResourceStore::announce(events::ResourceChange change) {
  if (!options_.bus || !options_.bus->has_change_subscribers()) return;
  change.service = options_.service;
  if (options_.clock) change.time = options_.clock->now();
  if (transaction_depth_ > 0) pending_.push_back(std::move(change));
  else options_.bus->publish_change(std::move(change));
}

void ResourceStore::set_doc(const Scope& scope, const std::string& kind_name, const std::string& id,
                            std::shared_ptr<Document> doc) {
  Kind& kind = scopes_[scope][kind_name];
  if (auto it = kind.docs.find(id); it != kind.docs.end()) {
    index_tags(kind, kind_name, id, *it->second, false);
    kind.docs.erase(it);
  }
  if (doc) {
    index_tags(kind, kind_name, id, *doc, true);
    kind.docs.emplace(id, std::move(doc));
  }
}

Status ResourceStore::put(const Scope& scope, const std::string& kind_name, const std::string& id, Document doc) {
  NUAGE_TRY(db_.exec("INSERT INTO resources(service, account, region, kind, id, doc) VALUES(?, ?, ?, ?, ?, ?) "
                     "ON CONFLICT(service, account, region, kind, id) DO UPDATE SET doc = excluded.doc",
                     {options_.service, scope.account, scope.region, kind_name, id, doc.dump()}));
  Kind& kind = scopes_[scope][kind_name];
  auto it = kind.docs.find(id);
  remember(scope, kind_name, id, it == kind.docs.end() ? nullptr : it->second);
  std::shared_ptr<Document> stored;
  if (it == kind.docs.end()) {
    // A copy, not a move: the copy's nodes are allocated one after another,
    // while a document built up by a handler has its nodes scattered among
    // temporaries. Answers walk every node; locality halves their cost.
    stored = std::make_shared<Document>(doc);
    index_tags(kind, kind_name, id, *stored, true);
    kind.docs.emplace(id, stored);
  } else {
    index_tags(kind, kind_name, id, *it->second, false);
    // In place when nothing else holds the document: pointers from find()
    // stay valid across put(), as handlers expect. (A copy again, for locality.)
    if (it->second.use_count() == 1) *it->second = doc;
    else it->second = std::make_shared<Document>(doc);
    stored = it->second;
    index_tags(kind, kind_name, id, *stored, true);
  }
  events::ResourceChange change;
  change.kind = kind_name;
  change.account = scope.account;
  change.region = scope.region;
  change.id = id;
  change.document = stored;
  announce(std::move(change));
  return Status::Ok();
}

Status ResourceStore::erase(const Scope& scope, const std::string& kind_name, const std::string& id) {
  NUAGE_TRY(db_.exec("DELETE FROM resources WHERE service = ? AND account = ? AND region = ? AND kind = ? AND id = ?",
                     {options_.service, scope.account, scope.region, kind_name, id}));
  auto s = scopes_.find(scope);
  if (s == scopes_.end()) return Status::Ok();
  auto k = s->second.find(kind_name);
  if (k == s->second.end()) return Status::Ok();
  Kind& kind = k->second;
  auto it = kind.docs.find(id);
  if (it == kind.docs.end()) return Status::Ok();
  remember(scope, kind_name, id, it->second);
  std::shared_ptr<Document> last = it->second;
  index_tags(kind, kind_name, id, *last, false);
  kind.docs.erase(it);
  events::ResourceChange change;
  change.kind = kind_name;
  change.account = scope.account;
  change.region = scope.region;
  change.id = id;
  change.deleted = std::move(last);
  announce(std::move(change));
  return Status::Ok();
}

Status ResourceStore::transaction(const std::function<Status()>& body) {
  if (transaction_depth_ > 0) return body();  // nested: the outermost decides
  ++transaction_depth_;
  Status result = db_.transaction(body);
  --transaction_depth_;
  std::vector<Undo> undo;
  undo.swap(undo_);
  undone_.clear();
  std::vector<events::ResourceChange> pending;
  pending.swap(pending_);
  if (!result.ok()) {
    for (auto it = undo.rbegin(); it != undo.rend(); ++it) set_doc(it->scope, it->kind, it->id, it->previous);
    return result;
  }
  if (options_.bus)
    for (auto& c : pending) options_.bus->publish_change(std::move(c));
  return result;
}

Tags ResourceStore::tags(const Scope& scope, const std::string& kind, const std::string& id) const {
  const Document* doc = get(scope, kind, id);
  return doc ? tags_of(kind, *doc) : Tags{};
}

static void write_tags(const ResourceStore::KindSpec& spec, Document& doc, const Tags& tags) {
  if (spec.tags_as_map) {
    Document map = Document::object();
    for (const auto& [k, v] : tags) map[k] = v;
    doc[spec.tags_member] = std::move(map);
  } else {
    Document list = Document::array();
    for (const auto& [k, v] : tags) list.push_back({{"Key", k}, {"Value", v}});
    doc[spec.tags_member] = std::move(list);
  }
}

Status ResourceStore::tag(const Scope& scope, const std::string& kind, const std::string& id, const Tags& add) {
  const Document* doc = get(scope, kind, id);
  if (!doc) return internal_error("no " + kind + " " + id + " to tag");
  Tags tags = tags_of(kind, *doc);
  for (const auto& [k, v] : add) {
    auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& t) { return t.first == k; });
    if (it != tags.end()) it->second = v;
    else tags.emplace_back(k, v);
  }
  Document changed = *doc;
  write_tags(spec(kind), changed, tags);
  return put(scope, kind, id, std::move(changed));
}

Status ResourceStore::untag(const Scope& scope, const std::string& kind, const std::string& id,
                            const std::vector<std::string>& keys) {
  const Document* doc = get(scope, kind, id);
  if (!doc) return internal_error("no " + kind + " " + id + " to untag");
  Tags tags = tags_of(kind, *doc);
  std::erase_if(tags, [&](const auto& t) { return std::find(keys.begin(), keys.end(), t.first) != keys.end(); });
  Document changed = *doc;
  write_tags(spec(kind), changed, tags);
  return put(scope, kind, id, std::move(changed));
}

std::string ResourceStore::page_token(const std::string& last_id) { return text::base64_encode(last_id); }

std::optional<std::string> ResourceStore::from_page_token(const std::string& token) {
  return text::base64_decode(token);
}

}  // namespace nuage::storage
