#include "services/iam/authorizer.h"

#include <spdlog/spdlog.h>

#include "common/documents.h"
#include "common/text.h"
#include "common/time.h"
#include "services/iam/request_keys.h"

namespace nuage::services::iam {

using nlohmann::json;

namespace {

const char* kMessageMarker = "nuage-authz:";

const char* decision_name(nuage::policy::Decision d) {
  switch (d) {
    case nuage::policy::Decision::kAllowed: return "allowed";
    case nuage::policy::Decision::kExplicitDeny: return "explicitDeny";
    case nuage::policy::Decision::kImplicitDeny: return "implicitDeny";
  }
  return "";
}

const char* policy_kind(nuage::policy::PolicyType t) {
  switch (t) {
    case nuage::policy::PolicyType::kIdentity: return "identity-based";
    case nuage::policy::PolicyType::kResource: return "resource-based";
    case nuage::policy::PolicyType::kBoundary: return "permissions-boundary";
    case nuage::policy::PolicyType::kSession: return "session";
  }
  return "";
}

}  // namespace

std::string encode_authorization_message(const json& decoded) {
  return text::base64_encode(kMessageMarker + decoded.dump());
}

std::optional<json> decode_authorization_message(const std::string& encoded) {
  auto raw = text::base64_decode(encoded);
  if (!raw || !text::starts_with(*raw, kMessageMarker)) return std::nullopt;
  json j = documents::parse_json_or_discarded(raw->substr(std::string(kMessageMarker).size()));
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void Authorizer::add_global_keys(const kit::RequestContext& ctx, nuage::policy::Context& context) {
  auto now = ctx.clock ? ctx.clock->now() : std::chrono::system_clock::now();
  context.set("aws:CurrentTime", timefmt::iso8601(now));
  context.set("aws:EpochTime", std::to_string(static_cast<int64_t>(timefmt::epoch_seconds(now))));
  context.set("aws:SecureTransport", "false");  // nuage serves plain HTTP
  if (!ctx.source_ip.empty()) context.set("aws:SourceIp", ctx.source_ip);
  context.set("aws:RequestedRegion", ctx.region);
  context.set("aws:Region", ctx.region);
}

Status Authorizer::authorize(const kit::RequestContext& ctx, const kit::OperationTable& table,
                             const kit::Value& input) {
  // Service principals act on their own authority (what they may do is
  // decided where they act, e.g. a role's trust policy in AssumeRole).
  if (!enforcement_ || ctx.anonymous || ctx.caller.type == auth::PrincipalType::kRoot ||
      ctx.caller.type == auth::PrincipalType::kService)
    return Status::Ok();
  kit::Authorization auth = table.authorization(ctx.operation, ctx, input);
  if (auth.decided_elsewhere) return Status::Ok();
  auto view = iam_.caller_view(ctx.caller);
  if (!view) {
    // The user or role behind still-valid credentials is gone: nothing allows.
    nuage::policy::Evaluation none;
    const kit::ActionTarget& t = auth.targets.front();
    return deny(ctx, t.action, t.resource, none);
  }
  add_global_keys(ctx, view->context);
  add_request_tag_keys(input, view->context);
  table.add_condition_keys(ctx, input, view->context);
  nuage::policy::Request request{"", "", view->principal, std::move(view->context)};
  for (const auto& target : auth.targets) {
    request.action = target.action;
    request.resource = target.resource;
    auto ev = nuage::policy::evaluate(request, view->policies);
    if (!ev.allowed()) return deny(ctx, target.action, target.resource, ev);
  }
  return Status::Ok();
}

AwsError Authorizer::deny(const kit::RequestContext& ctx, const std::string& action, const std::string& resource,
                          const nuage::policy::Evaluation& ev, bool with_reason) {
  // AWS says "User:" for every kind of principal, role sessions included.
  std::string message = "User: " + ctx.caller.arn + " is not authorized to perform: " + action +
                        " on resource: " + resource;
  if (with_reason) message += " " + ev.reason(action);
  json statements = json::array();
  for (const auto& m : ev.matched)
    statements.push_back({{"policy", m.policy_id}, {"policyType", m.policy_type}, {"statement", m.index},
                          {"sid", m.sid}, {"effect", m.effect == nuage::policy::Effect::kAllow ? "Allow" : "Deny"}});
  json decided = nullptr;
  if (ev.has_decider)
    decided = {{"policy", ev.decider.policy_id}, {"policyType", ev.decider.policy_type},
               {"statement", ev.decider.index}, {"sid", ev.decider.sid}};
  json decoded = {{"allowed", false},
                  {"explicitDeny", ev.decision == nuage::policy::Decision::kExplicitDeny},
                  {"matchedStatements", {{"items", statements}}},
                  {"failures", {{"items", json::array()}}},
                  {"context",
                   {{"principal", {{"id", ctx.caller.user_id}, {"arn", ctx.caller.arn}}},
                    {"action", action},
                    {"resource", resource},
                    {"conditions", {{"items", json::array()}}}}}};
  std::string encoded = encode_authorization_message(decoded);
  json record = {{"time", timefmt::iso8601(ctx.clock ? ctx.clock->now() : std::chrono::system_clock::now())},
                 {"requestId", ctx.request_id},
                 {"principal", ctx.caller.arn},
                 {"service", ctx.service},
                 {"operation", ctx.operation},
                 {"action", action},
                 {"resource", resource},
                 {"decision", decision_name(ev.decision)},
                 {"decidedBy", policy_kind(ev.decided_by)},
                 {"statement", decided},
                 {"reason", ev.has_decider ? "statement " + std::to_string(ev.decider.index) +
                                                 (ev.decider.sid.empty() ? "" : " (" + ev.decider.sid + ")") +
                                                 " of " + ev.decider.policy_id + " denies it"
                                           : "no " + std::string(policy_kind(ev.decided_by)) + " policy allows it"},
                 {"matchedStatements", statements},
                 {"message", message},
                 {"encodedMessage", encoded}};
  spdlog::info("iam: denied {} {} to {}: {}", action, resource, ctx.caller.arn, record["reason"].get<std::string>());
  {
    std::lock_guard lock(mu_);
    ring_.push_back(std::move(record));
    while (ring_.size() > kRingSize) ring_.pop_front();
  }
  std::string code = access_denied_code(ctx.service);
  if (code == "UnauthorizedOperation")
    return AwsError{code,
                    "You are not authorized to perform this operation. " + message +
                        ". Encoded authorization failure message: " + encoded,
                    403};
  return AwsError{code, message, 403};
}

json Authorizer::decisions() const {
  std::lock_guard lock(mu_);
  return json(ring_);
}

}  // namespace nuage::services::iam
