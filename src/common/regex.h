// Regular expressions from AWS models and from clients, on PCRE2 (JIT) with
// a match limit, so a hostile pattern or value costs bounded time and no
// recursion: std::regex recurses per character and backtracks without
// bound. Patterns are written in Java's dialect (what AWS services and their
// models use); translate_java() turns the few constructs PCRE2 spells
// differently (\uXXXX, surrogate pairs, \p{Print}-style POSIX classes, a
// literal '-' after a class escape, counted repeats past 65,535) into
// PCRE2's.
//
// Thread-safety: a compiled Regex is immutable and safe to use from any
// thread; model_pattern() is safe from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace nuage {

class Regex {
 public:
  enum class Mode { kWholeValue, kSearch };
  enum class Match { kYes, kNo, kLimit };  // kLimit: gave up at the match limit

  // Compiles a Java-dialect pattern. nullptr, with the reason in `error`,
  // when PCRE2 cannot compile it.
  static std::shared_ptr<const Regex> compile(std::string_view java_pattern, Mode mode,
                                              std::string* error = nullptr);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // `subject` must be valid UTF-8 (callers check it first).
  Match match(std::string_view subject) const;

 private:
  struct Code;
  explicit Regex(Code* code) : code_(code) {}
  Code* code_;
};

// A Java pattern in PCRE2's syntax; nullopt when it has no equivalent (a
// lone surrogate).
std::optional<std::string> translate_java(std::string_view java_pattern);

// The whole-value matcher of an AWS model pattern, compiled on first use and
// kept for the process. nullptr when PCRE2 cannot compile it: the constraint
// is then not checked (the failure is logged once), never a refusal.
const Regex* model_pattern(const std::string& java_pattern);

}  // namespace nuage
