#include "services/secretsmanager/random_password.h"

#include <cstdint>
#include <vector>

#include "common/crypto.h"
#include "services/secretsmanager/internal.h"
#include "services/secretsmanager/provider.h"

namespace nuage::services::secretsmanager {

namespace password {

namespace {

constexpr std::string_view kLower = "abcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// A uniform index below `n` (0 < n < 2^32): 32-bit draws, rejecting those
// at or above the largest multiple of n, so no index is more likely.
size_t uniform_below(size_t n) {
  const uint64_t range = uint64_t{1} << 32;
  const uint64_t limit = range - range % n;
  for (;;) {
    std::string bytes = crypto::random_bytes(4);
    uint64_t draw = 0;
    for (char b : bytes) draw = (draw << 8) | static_cast<unsigned char>(b);
    if (draw < limit) return static_cast<size_t>(draw % n);
  }
}

}  // namespace

Result<std::string> generate(const Options& options) {
  std::vector<std::string> types;
  auto add = [&](bool excluded, std::string_view chars) {
    if (excluded) return;
    std::string kept;
    for (char c : chars)
      if (options.exclude_characters.find(c) == std::string::npos) kept.push_back(c);
    if (!kept.empty()) types.push_back(kept);
  };
  add(options.exclude_lowercase, kLower);
  add(options.exclude_uppercase, kUpper);
  add(options.exclude_numbers, kDigits);
  add(options.exclude_punctuation, kPunctuation);
  add(!options.include_space, " ");
  std::string pool;
  for (const auto& t : types) pool += t;
  if (pool.empty())
    return detail::invalid_parameter("The password can't be generated: every character is excluded.");
  if (options.require_each_included_type && options.length < types.size())
    return detail::invalid_parameter("The password length must be at least " + std::to_string(types.size()) +
                                     " to include a character of each included type.");
  std::string out;
  if (options.require_each_included_type)
    for (const auto& t : types) out.push_back(t[uniform_below(t.size())]);
  while (out.size() < options.length) out.push_back(pool[uniform_below(pool.size())]);
  // Fisher-Yates, so the required characters are anywhere.
  for (size_t i = out.size(); i > 1; --i) std::swap(out[i - 1], out[uniform_below(i)]);
  return out;
}

}  // namespace password

Result<kit::Output> Provider::get_random_password(Context&, const Value& in) {
  password::Options o;
  o.length = static_cast<size_t>(in.value("PasswordLength", int64_t{32}));
  o.exclude_characters = in.value("ExcludeCharacters", "");
  o.exclude_lowercase = in.value("ExcludeLowercase", false);
  o.exclude_uppercase = in.value("ExcludeUppercase", false);
  o.exclude_numbers = in.value("ExcludeNumbers", false);
  o.exclude_punctuation = in.value("ExcludePunctuation", false);
  o.include_space = in.value("IncludeSpace", false);
  o.require_each_included_type = in.value("RequireEachIncludedType", true);
  auto generated = password::generate(o);
  if (!generated) return generated.error();
  return detail::answer(Value{{"RandomPassword", *generated}});
}

}  // namespace nuage::services::secretsmanager
