// The stored form of each IAM struct: one JSON document per row of
// iam_entities, written and read back here and nowhere else (nlohmann's
// to_json / from_json, so `json(entity)` and `doc.get<Entity>()` work).
// Policy documents are kept as submitted and compiled again when read; a
// document that no longer compiles is dropped with its entry.
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "services/iam/provider.h"

namespace nuage::services::iam {

void to_json(nlohmann::json& j, const Entity& e);
void from_json(const nlohmann::json& j, Entity& e);
void to_json(nlohmann::json& j, const ManagedPolicy& p);
void from_json(const nlohmann::json& j, ManagedPolicy& p);
void to_json(nlohmann::json& j, const InstanceProfile& p);
void from_json(const nlohmann::json& j, InstanceProfile& p);
void to_json(nlohmann::json& j, const AccessKey& k);
void from_json(const nlohmann::json& j, AccessKey& k);
void to_json(nlohmann::json& j, const Session& s);
void from_json(const nlohmann::json& j, Session& s);

}  // namespace nuage::services::iam
