#define PCRE2_CODE_UNIT_WIDTH 8
#include "common/regex.h"

#include <pcre2.h>
#include <spdlog/spdlog.h>

#include <bitset>
#include <cstdio>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace nuage {

namespace {

// Backtracking steps one match may take: far more than any model pattern
// needs on a value the model's length limits allow, far less than a second.
constexpr uint32_t kMatchLimit = 1'000'000;

struct MatchContext {
  pcre2_match_context* ctx;
  MatchContext() : ctx(pcre2_match_context_create(nullptr)) { pcre2_set_match_limit(ctx, kMatchLimit); }
  ~MatchContext() { pcre2_match_context_free(ctx); }
};

const MatchContext& match_context() {
  static const MatchContext c;
  return c;
}

// One ovector pair is enough: callers ask whether, not where.
struct ThreadMatchData {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  ~ThreadMatchData() { pcre2_match_data_free(data); }
};

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Java's POSIX character classes (US-ASCII only, as Java defines them).
const char* posix_class(std::string_view name) {
  static const std::pair<std::string_view, const char*> kClasses[] = {
      {"Lower", "lower"}, {"Upper", "upper"}, {"Alpha", "alpha"}, {"Digit", "digit"},
      {"Alnum", "alnum"}, {"Punct", "punct"}, {"Graph", "graph"}, {"Print", "print"},
      {"Blank", "blank"}, {"Cntrl", "cntrl"}, {"XDigit", "xdigit"}, {"Space", "space"},
  };
  for (const auto& [java, posix] : kClasses)
    if (java == name) return posix;
  return nullptr;
}

}  // namespace

std::optional<std::string> translate_java(std::string_view p) {
  std::string out;
  out.reserve(p.size() + 8);
  bool in_class = false;
  size_t i = 0;
  auto read_u = [&](size_t at, unsigned& cp) {  // "\uXXXX" at `at`
    if (at + 6 > p.size() || p[at] != '\\' || p[at + 1] != 'u') return false;
    for (size_t k = 2; k < 6; ++k)
      if (!is_hex(p[at + k])) return false;
    cp = static_cast<unsigned>(std::stoul(std::string(p.substr(at + 2, 4)), nullptr, 16));
    return true;
  };
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[i + 1];
      unsigned cp;
      if (e == 'u' && read_u(i, cp)) {
        size_t used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned low;
          if (!read_u(i + 6, low) || low < 0xDC00 || low > 0xDFFF) return std::nullopt;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          used = 12;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return std::nullopt;
        }
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
        out += buf;
        i += used;
        continue;
      }
      bool class_escape = e == 'w' || e == 'W' || e == 'd' || e == 'D' || e == 's' || e == 'S';
      size_t escape_end = i + 2;
      std::string escape(p.substr(i, 2));
      if ((e == 'p' || e == 'P') && i + 2 < p.size() && p[i + 2] == '{') {
        size_t close = p.find('}', i + 3);
        if (close == std::string_view::npos) return std::nullopt;
        std::string_view name = p.substr(i + 3, close - i - 3);
        escape_end = close + 1;
        class_escape = true;
        if (name == "ASCII") {
          escape = e == 'p' ? "\\x00-\\x7F" : "";
          if (e == 'P') return std::nullopt;
          if (!in_class) escape = "[" + escape + "]";
        } else if (const char* posix = posix_class(name)) {
          escape = std::string("[:") + (e == 'P' ? "^" : "") + posix + ":]";
          if (!in_class) escape = "[" + escape + "]";
        } else {
          escape = std::string(p.substr(i, escape_end - i));
        }
      }
      out += escape;
      i = escape_end;
      // Java reads "[\w-_]" as \w, '-', '_'; PCRE2 refuses a range from a class.
      if (in_class && class_escape && i + 1 < p.size() && p[i] == '-' && p[i + 1] != ']') {
        out += "\\-";
        ++i;
      }
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      ++i;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
      ++i;
      if (i < p.size() && p[i] == '^') out += p[i++];
      if (i < p.size() && p[i] == ']') out += p[i++];  // a leading ']' is literal
      continue;
    }
    if (c == '{') {
      // {m,N} with N past PCRE2's 65,535: {m,} — looser, never a false refusal.
      size_t close = p.find('}', i);
      std::string_view body = close == std::string_view::npos ? "" : p.substr(i + 1, close - i - 1);
      size_t comma = body.find(',');
      std::string_view upper = comma == std::string_view::npos ? "" : body.substr(comma + 1);
      bool digits = !upper.empty() && upper.size() < 12 &&
                    body.find_first_not_of("0123456789,") == std::string_view::npos;
      if (digits && std::stoull(std::string(upper)) > 65535) {
        out += "{";
        out += body.substr(0, comma + 1);
        out += "}";
        i = close + 1;
        continue;
      }
    }
    out += c;
    ++i;
  }
  return out;
}

struct Regex::Code {
  pcre2_code* code = nullptr;
  bool jit = false;
  // Most model patterns are one character class repeated ("[\\w+=,.@-]+"):
  // for those, which ASCII characters the class admits, so an ASCII value
  // is decided by a table walk instead of a PCRE2 call (non-ASCII values
  // still go to PCRE2).
  bool ascii_table = false;
  bool allow_empty = false;
  std::bitset<128> ascii;
  ~Code() { pcre2_code_free(code); }
};

namespace {

// "[class]+" or "[class]*", optionally between ^ and $: the class text and
// whether the value may be empty.
std::optional<std::pair<std::string, bool>> single_class(std::string_view p) {
  if (!p.empty() && p.front() == '^') p.remove_prefix(1);
  if (!p.empty() && p.back() == '$' && (p.size() < 2 || p[p.size() - 2] != '\\')) p.remove_suffix(1);
  if (p.size() < 4 || p.front() != '[') return std::nullopt;
  char quantifier = p.back();
  if (quantifier != '+' && quantifier != '*') return std::nullopt;
  std::string_view cls = p.substr(0, p.size() - 1);
  if (cls.back() != ']') return std::nullopt;
  // The class must end where the pattern does: no other ']' outside escapes.
  for (size_t i = 1; i + 1 < cls.size(); ++i) {
    if (cls[i] == '\\') ++i;
    else if (cls[i] == '[' || cls[i] == ']') return std::nullopt;
  }
  return std::make_pair(std::string(cls), quantifier == '*');
}

}  // namespace

std::shared_ptr<const Regex> Regex::compile(std::string_view java_pattern, Mode mode, std::string* error) {
  auto translated = translate_java(java_pattern);
  if (!translated) {
    if (error) *error = "no PCRE2 equivalent (lone surrogate or unsupported class)";
    return nullptr;
  }
  uint32_t options = PCRE2_UTF | PCRE2_NO_UTF_CHECK;
  if (mode == Mode::kWholeValue) options |= PCRE2_ANCHORED | PCRE2_ENDANCHORED;
  pcre2_compile_context* cctx = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(cctx, PCRE2_NEWLINE_ANYCRLF);  // Java's '.' stops at \r and \n alike
  int code = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* compiled = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated->data()), translated->size(),
                                       options, &code, &offset, cctx);
  pcre2_compile_context_free(cctx);
  if (!compiled) {
    if (error) {
      PCRE2_UCHAR message[256];
      pcre2_get_error_message(code, message, sizeof message);
      *error = std::string(reinterpret_cast<const char*>(message)) + " at offset " + std::to_string(offset);
    }
    return nullptr;
  }
  auto* c = new Code;
  c->code = compiled;
  c->jit = pcre2_jit_compile(compiled, PCRE2_JIT_COMPLETE) == 0;
  std::shared_ptr<const Regex> regex(new Regex(c));
  if (auto single = mode == Mode::kWholeValue ? single_class(*translated) : std::nullopt) {
    // The class's ASCII members, asked of PCRE2 itself once per character:
    // "[class]+" and "[class]*" match one character iff the class has it.
    std::bitset<128> ascii;
    for (int ch = 0; ch < 128; ++ch) {
      char one = static_cast<char>(ch);
      ascii[ch] = regex->match(std::string_view(&one, 1)) == Match::kYes;
    }
    c->ascii = ascii;
    c->allow_empty = single->second;
    c->ascii_table = true;
  }
  return regex;
}

Regex::~Regex() { delete code_; }

Regex::Match Regex::match(std::string_view subject) const {
  if (code_->ascii_table) {
    bool ascii = true;
    for (unsigned char ch : subject) {
      if (ch >= 128) {
        ascii = false;
        break;
      }
      if (!code_->ascii[ch]) return Match::kNo;
    }
    if (ascii) return subject.empty() && !code_->allow_empty ? Match::kNo : Match::kYes;
  }
  thread_local ThreadMatchData data;
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       PCRE2_NO_UTF_CHECK, data.data, match_context().ctx);
  if (rc >= 0) return Match::kYes;  // 0: matched, ovector too small for the groups
  if (rc == PCRE2_ERROR_NOMATCH) return Match::kNo;
  return Match::kLimit;  // match or depth limit, JIT stack
}

const Regex* model_pattern(const std::string& java_pattern) {
  struct Cache {
    std::shared_mutex mu;
    std::unordered_map<std::string, std::shared_ptr<const Regex>> compiled;  // null: cannot compile
  };
  static Cache cache;
  {
    std::shared_lock lock(cache.mu);
    if (auto it = cache.compiled.find(java_pattern); it != cache.compiled.end()) return it->second.get();
  }
  std::string error;
  auto regex = Regex::compile(java_pattern, Regex::Mode::kWholeValue, &error);
  std::unique_lock lock(cache.mu);
  auto [it, inserted] = cache.compiled.emplace(java_pattern, std::move(regex));
  if (inserted && !it->second)
    spdlog::warn("model pattern {} is not checked: PCRE2 cannot compile it ({})", java_pattern, error);
  return it->second.get();
}

}  // namespace nuage
