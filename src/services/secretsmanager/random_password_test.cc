#include "services/secretsmanager/random_password.h"

#include <gtest/gtest.h>

#include <set>

namespace nuage::services::secretsmanager::password {
namespace {

TEST(SecretsManagerRandomPassword, DefaultsHoldEveryTypeAtTheDefaultLength) {
  auto p = generate(Options{});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->size(), 32u);
  bool lower = false, upper = false, digit = false, punct = false;
  for (char c : *p) {
    lower |= std::islower(static_cast<unsigned char>(c)) != 0;
    upper |= std::isupper(static_cast<unsigned char>(c)) != 0;
    digit |= std::isdigit(static_cast<unsigned char>(c)) != 0;
    punct |= std::ispunct(static_cast<unsigned char>(c)) != 0;
    EXPECT_NE(c, ' ');
  }
  EXPECT_TRUE(lower && upper && digit && punct);
  EXPECT_NE(*p, *generate(Options{}));
}

TEST(SecretsManagerRandomPassword, ExclusionsAndRequiredTypes) {
  Options o;
  o.length = 200;
  o.exclude_punctuation = true;
  o.exclude_uppercase = true;
  o.exclude_characters = "abc0";
  auto p = generate(o);
  ASSERT_TRUE(p.ok());
  for (char c : *p) {
    EXPECT_TRUE(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c))) << c;
    EXPECT_EQ(std::string("abc0").find(c), std::string::npos);
  }
  Options space;
  space.length = 5;
  space.include_space = true;
  EXPECT_NE(generate(space)->find(' '), std::string::npos);
  Options none;
  none.exclude_lowercase = none.exclude_uppercase = none.exclude_numbers = none.exclude_punctuation = true;
  EXPECT_EQ(generate(none).error().code, "InvalidParameterException");
  Options short_one;
  short_one.length = 3;
  EXPECT_EQ(generate(short_one).error().code, "InvalidParameterException");
  short_one.require_each_included_type = false;
  EXPECT_EQ(generate(short_one)->size(), 3u);
}

TEST(SecretsManagerRandomPassword, DrawsEveryAllowedCharacter) {
  Options o;
  o.length = 4096;
  o.exclude_uppercase = o.exclude_lowercase = o.exclude_punctuation = true;
  auto p = generate(o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(std::set<char>(p->begin(), p->end()).size(), 10u);
}

}  // namespace
}  // namespace nuage::services::secretsmanager::password
