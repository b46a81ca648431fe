#include "services/sts/provider.h"

#include "common/documents.h"
#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "services/iam/request_keys.h"
#include "kit/errors.h"
#include "services/iam/util.h"

namespace nuage::services::sts {

using kit::Output;
using kit::RequestContext;
using kit::Value;
using nlohmann::json;

namespace {

// STS's errors: the model gives each shape's code and status; AccessDenied
// and ValidationError are not in it.
const kit::Errors errors("sts", {{"AccessDenied", 403}, {"ValidationError", 400}});

Result<Output> get_caller_identity(RequestContext& ctx, const Value&) {
  Output out;
  out.value = {{"UserId", ctx.caller.user_id}, {"Account", ctx.caller.account_id}, {"Arn", ctx.caller.arn}};
  return out;
}

Status check_duration(int64_t duration, int64_t max) {
  if (duration < 900)
    return errors("ValidationError", "1 validation error detected: Value '" + std::to_string(duration) +
                      "' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or "
                      "equal to 900");
  if (duration > max)
    return errors("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  return Status::Ok();
}

std::optional<json> jwt_claims(const std::string& token) {
  auto parts = text::split(token, '.');
  if (parts.size() < 2) return std::nullopt;
  std::string payload = parts[1];
  for (auto& c : payload) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (payload.size() % 4) payload.push_back('=');
  auto raw = text::base64_decode(payload);
  if (!raw) return std::nullopt;
  json claims = documents::parse_json_or_discarded(*raw);
  if (claims.is_discarded() || !claims.is_object()) return std::nullopt;
  return claims;
}

}  // namespace

// The sts: condition keys a request sets (sts:RoleSessionName, ...).
static void add_sts_keys(const Value& in, policy::Context& keys) {
  for (const char* member : {"RoleSessionName", "ExternalId", "SourceIdentity"})
    if (auto it = in.find(member); it != in.end() && it->is_string())
      keys.set(std::string("sts:") + member, it->get<std::string>());
  if (auto it = in.find("DurationSeconds"); it != in.end()) keys.set("sts:DurationSeconds", it->dump());
}

Status Provider::session_policies(const Context& ctx, const Value& in, iam::Session& session) {
  if (in.contains("Policy")) {
    auto doc = iam::compile_doc(in["Policy"], nuage::policy::PolicyKind::kIdentity);
    if (!doc) return errors("MalformedPolicyDocumentException", doc.error().message);
    session.policy = *doc;
  }
  if (in.contains("PolicyArns"))
    for (const auto& p : in["PolicyArns"]) {
      std::string arn = p.value("arn", "");
      if (!iam_.managed_policy(ctx.account_id, arn))
        return errors("ValidationError", "The policy " + arn + " does not exist or is not attachable.");
      session.policy_arns.push_back(arn);
    }
  return Status::Ok();
}

Result<Value> Provider::issue(const Context& ctx, iam::Session& session, int64_t duration) {
  session.access_key = iam::random_id("ASIA", 16);
  session.secret = text::base64_encode(crypto::random_bytes(30));
  session.token = "FwoGZXIvYXdzE" + text::base64_encode(crypto::random_bytes(96));
  session.account = ctx.account_id;
  session.issued = iam::now(ctx);
  session.expiration = session.issued + static_cast<double>(duration);
  NUAGE_TRY(iam_.add_session(session, *ctx.clock));
  return Value{{"AccessKeyId", session.access_key},
               {"SecretAccessKey", session.secret},
               {"SessionToken", session.token},
               {"Expiration", session.expiration}};
}

Result<Output> Provider::assume_role(Context& ctx, const Value& in) {
  std::string role_arn = in.at("RoleArn"), session_name = in.at("RoleSessionName");
  auto role = iam_.role_by_arn(ctx.account_id, role_arn);
  if (authorizer_.enforcing()) {
    // The trust policy is the resource-based policy of sts:AssumeRole; the
    // caller's identity policies count as for any request.
    nuage::policy::PolicySet policies;
    nuage::policy::Request request;
    request.action = "sts:AssumeRole";
    request.resource = role_arn;
    static const nuage::policy::PolicyPtr kAll = *nuage::policy::compile_policy(
        R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
        nuage::policy::PolicyKind::kIdentity);
    if (ctx.caller.type == auth::PrincipalType::kRoot) {
      request.principal = {nuage::policy::Principal::Type::kRoot, ctx.caller.arn, ctx.account_id, "", ""};
      policies.identity.push_back({"root", "root", kAll});
    } else if (ctx.caller.type == auth::PrincipalType::kService) {
      // An AWS service (lambda.amazonaws.com assuming an execution role):
      // no identity policies apply to it; the trust policy alone decides.
      request.principal = {nuage::policy::Principal::Type::kService, "", ctx.account_id, "", ctx.caller.arn};
      policies.identity.push_back({"service", "service", kAll});
    } else if (auto view = iam_.caller_view(ctx.caller)) {
      request.principal = view->principal;
      request.context = view->context;
      policies = view->policies;
    }
    iam::Authorizer::add_global_keys(ctx, request.context);
    iam::add_request_tag_keys(in, request.context);
    add_sts_keys(in, request.context);
    if (role) policies.resource.push_back({role_arn + " trust policy", "resource", role->trust});
    policies.resource_required = true;
    auto ev = nuage::policy::evaluate(request, policies);
    if (!role || !ev.allowed()) return authorizer_.deny(ctx, "sts:AssumeRole", role_arn, ev, false);
  }
  if (!role)
    return errors("AccessDenied",
                  "User: " + ctx.caller.arn + " is not authorized to perform: sts:AssumeRole on resource: " + role_arn);
  int64_t duration = in.value("DurationSeconds", int64_t{3600});
  NUAGE_TRY(check_duration(duration, role->max_session));
  iam::Session session;
  session.kind = "assumed-role";
  session.role_name = role->name;
  session.session_name = session_name;
  session.arn = "arn:aws:sts::" + ctx.account_id + ":assumed-role/" + role->name + "/" + session_name;
  session.user_id = role->id + ":" + session_name;
  session.source_identity = in.value("SourceIdentity", "");
  if (in.contains("Tags"))
    for (const auto& t : in["Tags"]) session.tags[t.value("Key", "")] = t.value("Value", "");
  NUAGE_TRY(session_policies(ctx, in, session));
  auto creds = issue(ctx, session, duration);
  if (!creds) return creds.take_error();
  Output out;
  out.value = {{"Credentials", *creds},
               {"AssumedRoleUser", {{"AssumedRoleId", session.user_id}, {"Arn", session.arn}}}};
  if (session.policy || !session.policy_arns.empty()) out.value["PackedPolicySize"] = 6;
  if (!session.source_identity.empty()) out.value["SourceIdentity"] = session.source_identity;
  return out;
}

Result<Output> Provider::assume_role_with_web_identity(Context& ctx, const Value& in) {
  std::string role_arn = in.at("RoleArn"), session_name = in.at("RoleSessionName");
  auto claims = jwt_claims(in.at("WebIdentityToken"));
  if (!claims) return errors("InvalidIdentityTokenException", "Couldn't parse the provided web identity token.");
  auto claim = [&](const char* name) {
    auto it = claims->find(name);
    return it != claims->end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  std::string issuer = claim("iss"), subject = claim("sub");
  std::string audience;
  if (auto aud = claims->find("aud"); aud != claims->end()) {
    if (aud->is_array() && !aud->empty() && (*aud)[0].is_string()) audience = (*aud)[0];
    else if (aud->is_string()) audience = *aud;
  }
  if (claims->contains("exp") && (*claims)["exp"].is_number() && (*claims)["exp"].get<double>() < iam::now(ctx))
    return errors("ExpiredTokenException", "Token expired: current date/time is after the exp claim.");
  std::string provider = text::starts_with(issuer, "https://") ? issuer.substr(8) : issuer;
  // The role's account: web identity calls are unsigned.
  auto parts = text::split(role_arn, ':');
  if (parts.size() >= 5) ctx.account_id = parts[4];
  auto role = iam_.role_by_arn(ctx.account_id, role_arn);
  nuage::policy::Evaluation ev;
  if (role) {
    nuage::policy::Request request;
    request.action = "sts:AssumeRoleWithWebIdentity";
    request.resource = role_arn;
    request.principal.type = nuage::policy::Principal::Type::kFederated;
    request.principal.account = ctx.account_id;
    // The trust policy names the issuer (accounts.google.com) or the OIDC
    // provider's ARN; either form is accepted.
    nuage::policy::PolicySet policies;
    policies.resource.push_back({role_arn + " trust policy", "resource", role->trust});
    policies.resource_required = true;
    iam::Authorizer::add_global_keys(ctx, request.context);
    request.context.set(provider + ":sub", subject);
    request.context.set(provider + ":aud", audience);
    request.context.set(provider + ":oaud", audience);
    for (const std::string& who : {provider, "arn:aws:iam::" + ctx.account_id + ":oidc-provider/" + provider}) {
      request.principal.arn = who;
      ev = nuage::policy::evaluate(request, policies);
      if (ev.allowed()) break;
    }
  }
  if (!role || (authorizer_.enforcing() && !ev.allowed()))
    return errors("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  int64_t duration = in.value("DurationSeconds", int64_t{3600});
  NUAGE_TRY(check_duration(duration, role->max_session));
  iam::Session session;
  session.kind = "assumed-role";
  session.role_name = role->name;
  session.session_name = session_name;
  session.arn = "arn:aws:sts::" + ctx.account_id + ":assumed-role/" + role->name + "/" + session_name;
  session.user_id = role->id + ":" + session_name;
  NUAGE_TRY(session_policies(ctx, in, session));
  auto creds = issue(ctx, session, duration);
  if (!creds) return creds.take_error();
  Output out;
  out.value = {{"Credentials", *creds},
               {"SubjectFromWebIdentityToken", subject},
               {"AssumedRoleUser", {{"AssumedRoleId", session.user_id}, {"Arn", session.arn}}},
               {"Provider", issuer},
               {"Audience", audience}};
  return out;
}

Result<Output> Provider::get_session_token(Context& ctx, const Value& in) {
  if (ctx.caller.type == auth::PrincipalType::kAssumedRole || !ctx.caller.session_token.empty())
    return errors("AccessDenied", "Cannot call GetSessionToken with session credentials");
  int64_t duration = in.value("DurationSeconds", int64_t{43200});
  int64_t max = ctx.caller.type == auth::PrincipalType::kRoot ? 3600 : 129600;
  if (duration > max) duration = max;  // AWS caps instead of refusing
  NUAGE_TRY(check_duration(duration, max));
  iam::Session session;
  session.kind = ctx.caller.type == auth::PrincipalType::kRoot ? "root-session" : "session-token";
  session.arn = ctx.caller.arn;
  session.user_id = ctx.caller.user_id;
  auto creds = issue(ctx, session, duration);
  if (!creds) return creds.take_error();
  Output out;
  out.value = {{"Credentials", *creds}};
  return out;
}

Result<Output> Provider::decode_authorization_message(Context&, const Value& in) {
  auto decoded = iam::decode_authorization_message(in.at("EncodedMessage"));
  if (!decoded)
    return errors("InvalidAuthorizationMessageException", "The message is not a valid encoded authorization message.");
  Output out;
  out.value = {{"DecodedMessage", decoded->dump()}};
  return out;
}

Result<Output> Provider::get_access_key_info(Context& ctx, const Value& in) {
  auto cred = credentials_.lookup(in.at("AccessKeyId"));
  Output out;
  out.value = {{"Account", cred ? cred->account_id : ctx.account_id}};
  return out;
}

void Provider::register_operations(kit::OperationTable& table) {
  table.set_default_resources([](const RequestContext&, const Value& in) -> std::vector<std::string> {
    auto it = in.find("RoleArn");
    if (it != in.end() && it->is_string()) return {it->get<std::string>()};
    return {"*"};
  });
  table.set_condition_keys(
      [](const RequestContext&, const Value& in, policy::Context& keys) { add_sts_keys(in, keys); });
  // AssumeRole* are judged by the provider (the trust policy and the
  // caller's own policies together); GetCallerIdentity needs no permission.
  table.add("GetCallerIdentity", get_caller_identity).iam_decided_by_provider();
  table.add("AssumeRole", this, &Provider::assume_role).iam_decided_by_provider();
  table.add("AssumeRoleWithWebIdentity", this, &Provider::assume_role_with_web_identity).iam_decided_by_provider();
  table.add("GetSessionToken", this, &Provider::get_session_token);
  table.add("DecodeAuthorizationMessage", this, &Provider::decode_authorization_message);
  table.add("GetAccessKeyInfo", this, &Provider::get_access_key_info);
}

}  // namespace nuage::services::sts
