#include "services/ssm/secret_references.h"

#include "common/text.h"
#include "services/ssm/errors.h"

namespace nuage::services::ssm::secret_references {

using kit::Value;

bool is_reference(const std::string& name) { return text::starts_with(name, kPrefix); }

Result<Value> resolve(const kit::Environment& env, const kit::RequestContext& ctx, const std::string& name,
                      bool decrypt) {
  if (!decrypt)
    return errors("ValidationException", "WithDecryption flag must be True for retrieving a Secret Manager secret.");
  std::string secret_id = name.substr(std::string(kPrefix).size());
  if (secret_id.empty()) return errors("ParameterNotFound", "Parameter " + name + " not found.");
  auto secret = env.call("secretsmanager", "GetSecretValue", Value{{"SecretId", secret_id}}, ctx.caller, ctx.region);
  if (!secret) {
    if (secret.error().code == "ResourceNotFoundException")
      return errors("ParameterNotFound", "Parameter " + name + " not found.");
    return secret.error();
  }
  const Value& got = secret->value;
  Value source = got;
  std::string value = got.contains("SecretString") ? got["SecretString"].get<std::string>()
                                                   : text::base64_encode(kit::blob_bytes(got.at("SecretBinary")));
  if (source.contains("SecretBinary")) source["SecretBinary"] = text::base64_encode(kit::blob_bytes(got["SecretBinary"]));
  return Value{{"Name", name},
               {"Type", "SecureString"},
               {"Value", value},
               {"Version", 0},
               {"SourceResult", source.dump()},
               {"LastModifiedDate", got.value("CreatedDate", Value(0))},
               {"ARN", got.value("ARN", "")},
               {"DataType", "text"}};
}

}  // namespace nuage::services::ssm::secret_references
