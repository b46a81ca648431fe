#include "services/cloudwatch/metric_math.h"
#include "services/cloudwatch/errors.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>

namespace nuage::services::cloudwatch {

namespace {

struct MValue {
  enum Kind { kScalar, kSeries, kArray } kind = kScalar;
  double scalar = 0;
  Series series;
  std::vector<Series> array;
};

AwsError bad(std::string_view expr, const std::string& why) {
  return errors("ValidationError", "Error in expression '" + std::string(expr) + "': " + why);
}

class Parser {
 public:
  Parser(std::string_view expr, const std::map<std::string, Series>& vars, const std::vector<std::string>& ids)
      : s_(expr), vars_(vars), ids_(ids) {}

  Result<MValue> run() {
    auto v = sum();
    if (!v) return v;
    skip();
    if (i_ != s_.size()) return bad(s_, "unexpected '" + std::string(s_.substr(i_, 1)) + "'");
    return v;
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }

  static Result<MValue> combine(const MValue& a, const MValue& b, char op, std::string_view expr) {
    auto f = [op](double x, double y) {
      switch (op) {
        case '+': return x + y;
        case '-': return x - y;
        case '*': return x * y;
        default: return y == 0 ? std::nan("") : x / y;
      }
    };
    if (a.kind == MValue::kArray || b.kind == MValue::kArray) {
      const MValue& arr = a.kind == MValue::kArray ? a : b;
      const MValue& other = a.kind == MValue::kArray ? b : a;
      if (other.kind == MValue::kArray) return bad(expr, "cannot combine two arrays");
      MValue out;
      out.kind = MValue::kArray;
      for (const auto& s : arr.array) {
        MValue one;
        one.kind = MValue::kSeries;
        one.series = s;
        auto r = a.kind == MValue::kArray ? combine(one, other, op, expr) : combine(other, one, op, expr);
        if (!r) return r;
        out.array.push_back(r->series);
      }
      return out;
    }
    MValue out;
    if (a.kind == MValue::kScalar && b.kind == MValue::kScalar) {
      out.scalar = f(a.scalar, b.scalar);
      return out;
    }
    out.kind = MValue::kSeries;
    if (a.kind == MValue::kSeries && b.kind == MValue::kSeries) {
      for (const auto& [t, x] : a.series)
        if (auto it = b.series.find(t); it != b.series.end()) out.series[t] = f(x, it->second);
    } else if (a.kind == MValue::kSeries) {
      for (const auto& [t, x] : a.series) out.series[t] = f(x, b.scalar);
    } else {
      for (const auto& [t, y] : b.series) out.series[t] = f(a.scalar, y);
    }
    return out;
  }

  Result<MValue> sum() {
    auto lhs = product();
    if (!lhs) return lhs;
    MValue v = std::move(*lhs);
    for (;;) {
      skip();
      if (i_ >= s_.size() || (s_[i_] != '+' && s_[i_] != '-')) return v;
      char op = s_[i_++];
      auto rhs = product();
      if (!rhs) return rhs;
      auto r = combine(v, *rhs, op, s_);
      if (!r) return r;
      v = std::move(*r);
    }
  }

  Result<MValue> product() {
    auto lhs = unary();
    if (!lhs) return lhs;
    MValue v = std::move(*lhs);
    for (;;) {
      skip();
      if (i_ >= s_.size() || (s_[i_] != '*' && s_[i_] != '/')) return v;
      char op = s_[i_++];
      auto rhs = unary();
      if (!rhs) return rhs;
      auto r = combine(v, *rhs, op, s_);
      if (!r) return r;
      v = std::move(*r);
    }
  }

  Result<MValue> unary() {
    if (eat('-')) {
      auto v = unary();
      if (!v) return v;
      MValue zero;
      return combine(zero, *v, '-', s_);
    }
    return primary();
  }

  Result<MValue> primary() {
    skip();
    if (i_ >= s_.size()) return bad(s_, "unexpected end");
    char c = s_[i_];
    if (c == '(') {
      ++i_;
      auto v = sum();
      if (!v) return v;
      if (!eat(')')) return bad(s_, "missing ')'");
      return v;
    }
    if (c == '[') {
      ++i_;
      MValue arr;
      arr.kind = MValue::kArray;
      if (!eat(']')) {
        do {
          auto v = sum();
          if (!v) return v;
          if (v->kind == MValue::kSeries) arr.array.push_back(v->series);
          else if (v->kind == MValue::kArray) arr.array.insert(arr.array.end(), v->array.begin(), v->array.end());
          else return bad(s_, "arrays hold time series");
        } while (eat(','));
        if (!eat(']')) return bad(s_, "missing ']'");
      }
      return arr;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      const char* start = s_.data() + i_;
      char* end = nullptr;
      std::string copy(s_.substr(i_));
      double d = std::strtod(copy.c_str(), &end);
      i_ += static_cast<size_t>(end - copy.c_str());
      (void)start;
      MValue v;
      v.scalar = d;
      return v;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i_;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_')) ++j;
      std::string name(s_.substr(i_, j - i_));
      i_ = j;
      skip();
      if (i_ < s_.size() && s_[i_] == '(') {
        ++i_;
        return call(name);
      }
      auto it = vars_.find(name);
      if (it == vars_.end()) return bad(s_, "unknown metric id '" + name + "'");
      MValue v;
      v.kind = MValue::kSeries;
      v.series = it->second;
      return v;
    }
    return bad(s_, "unexpected '" + std::string(1, c) + "'");
  }

  Result<MValue> call(const std::string& fn) {
    std::vector<MValue> args;
    std::string text_arg;
    skip();
    if (!eat(')')) {
      do {
        skip();
        if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
          char q = s_[i_];
          size_t end = s_.find(q, i_ + 1);
          if (end == std::string_view::npos) return bad(s_, "unterminated string");
          text_arg = std::string(s_.substr(i_ + 1, end - i_ - 1));
          i_ = end + 1;
          continue;
        }
        auto v = sum();
        if (!v) return v;
        args.push_back(std::move(*v));
      } while (eat(','));
      if (!eat(')')) return bad(s_, "missing ')'");
    }
    if (fn == "METRICS") {
      MValue arr;
      arr.kind = MValue::kArray;
      for (const auto& id : ids_)
        if (text_arg.empty() || id.find(text_arg) != std::string::npos)
          if (auto it = vars_.find(id); it != vars_.end()) arr.array.push_back(it->second);
      return arr;
    }
    if (fn == "SUM" || fn == "AVG" || fn == "MIN" || fn == "MAX") {
      if (args.size() != 1) return bad(s_, fn + " takes one argument");
      auto reduce = [&](const std::vector<double>& xs) {
        double acc = fn == "MIN" ? INFINITY : fn == "MAX" ? -INFINITY : 0;
        for (double x : xs) {
          if (fn == "MIN") acc = std::min(acc, x);
          else if (fn == "MAX") acc = std::max(acc, x);
          else acc += x;
        }
        return fn == "AVG" && !xs.empty() ? acc / static_cast<double>(xs.size()) : acc;
      };
      MValue out;
      if (args[0].kind == MValue::kArray) {
        std::map<double, std::vector<double>> by_time;
        for (const auto& s : args[0].array)
          for (const auto& [t, x] : s) by_time[t].push_back(x);
        out.kind = MValue::kSeries;
        for (const auto& [t, xs] : by_time) out.series[t] = reduce(xs);
      } else if (args[0].kind == MValue::kSeries) {
        std::vector<double> xs;
        for (const auto& [t, x] : args[0].series) xs.push_back(x);
        out.scalar = reduce(xs);
      } else {
        out = args[0];
      }
      return out;
    }
    if (fn == "RATE" || fn == "DIFF" || fn == "ABS") {
      if (args.size() != 1 || args[0].kind == MValue::kScalar) return bad(s_, fn + " takes a time series");
      auto apply = [&](const Series& s) {
        Series out;
        const std::pair<const double, double>* prev = nullptr;
        for (const auto& p : s) {
          if (fn == "ABS") out[p.first] = std::fabs(p.second);
          else if (prev) out[p.first] = fn == "DIFF" ? p.second - prev->second
                                                     : (p.second - prev->second) / (p.first - prev->first);
          prev = &p;
        }
        return out;
      };
      MValue out = args[0];
      if (out.kind == MValue::kSeries) out.series = apply(out.series);
      else for (auto& s : out.array) s = apply(s);
      return out;
    }
    if (fn == "FILL") {
      if (args.size() != 2 || args[0].kind != MValue::kSeries || args[1].kind != MValue::kScalar)
        return bad(s_, "FILL takes a time series and a value");
      MValue out = args[0];
      for (const auto& [id, s] : vars_)
        for (const auto& [t, x] : s) out.series.emplace(t, args[1].scalar);
      return out;
    }
    return bad(s_, "unsupported function " + fn);
  }

  std::string_view s_;
  size_t i_ = 0;
  const std::map<std::string, Series>& vars_;
  const std::vector<std::string>& ids_;
};

}  // namespace

Result<Series> evaluate_expression(std::string_view expression, const std::map<std::string, Series>& vars,
                                   const std::vector<std::string>& metric_ids) {
  auto v = Parser(expression, vars, metric_ids).run();
  if (!v) return v.take_error();
  if (v->kind == MValue::kSeries) return v->series;
  if (v->kind == MValue::kArray) {
    if (v->array.size() == 1) return v->array[0];
    return bad(expression, "the expression must return a single time series");
  }
  // A constant: one value at every timestamp the inputs have.
  Series out;
  for (const auto& [id, s] : vars)
    for (const auto& [t, x] : s) out[t] = v->scalar;
  return out;
}

}  // namespace nuage::services::cloudwatch
