// Small helpers shared by the IAM and STS sources: ids, ARNs, documents.
// Thread-safety: pure functions (random_id reads the OS random source).
#pragma once

#include <string>

#include "common/crypto.h"
#include "common/text.h"
#include "common/time.h"
#include "kit/provider.h"
#include "services/iam/provider.h"

namespace nuage::services::iam {

inline double now(const kit::RequestContext& ctx) { return timefmt::epoch_seconds(ctx.clock->now()); }

// IAM-style identifier: `prefix` then `n` characters of [A-Z2-7].
inline std::string random_id(const std::string& prefix, size_t n) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string bytes = crypto::random_bytes(n);
  std::string out = prefix;
  for (unsigned char c : bytes) out.push_back(kChars[c % 32]);
  return out;
}

// arn:aws:iam::<account>:<kind>/<path without leading slash><name>
inline std::string iam_arn(const std::string& account, const std::string& kind, const std::string& path,
                           const std::string& name) {
  return "arn:aws:iam::" + account + ":" + kind + "/" + path.substr(1) + name;
}

// IAM returns policy documents URL-encoded.
inline std::string url_encoded(const std::string& doc) { return text::uri_encode(doc); }

inline Result<Doc> compile_doc(const std::string& text, nuage::policy::PolicyKind kind) {
  auto compiled = nuage::policy::compile_policy(text, kind);
  if (!compiled) return compiled.take_error();
  return Doc{text, *compiled};
}

}  // namespace nuage::services::iam
