// GetRandomPassword's generator: characters drawn uniformly (rejection
// sampling over the system's CSPRNG, common/crypto.h) from the included
// types — lowercase, uppercase, digits, AWS's 32 punctuation characters,
// and the space when asked — less the excluded characters, with at least
// one of each included type when RequireEachIncludedType.
// Thread-safety: pure functions (the CSPRNG is thread-safe).
#pragma once

#include <string>

#include "common/error.h"

namespace nuage::services::secretsmanager::password {

struct Options {
  size_t length = 32;
  std::string exclude_characters;
  bool exclude_lowercase = false, exclude_uppercase = false, exclude_numbers = false, exclude_punctuation = false;
  bool include_space = false;
  bool require_each_included_type = true;
};

// InvalidParameterException when no character is left, or fewer characters
// than the types each password must hold.
Result<std::string> generate(const Options& options);

}  // namespace nuage::services::secretsmanager::password
