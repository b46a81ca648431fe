#include "auth/credentials.h"

#include <gtest/gtest.h>

#include <limits>

namespace nuage::auth {
namespace {

Credential user_key(const std::string& id) {
  Credential c;
  c.access_key = id;
  c.secret_key = "s3cret";
  c.account_id = "111122223333";
  c.type = PrincipalType::kUser;
  c.arn = "arn:aws:iam::111122223333:user/alice";
  return c;
}

TEST(CredentialStore, TestKeyIsTheVerifiedRootOfTheDefaultAccount) {
  CredentialStore store(false, "123456789012");
  auto c = store.lookup("test");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->verifiable);
  EXPECT_EQ(c->secret_key, "test");
  EXPECT_EQ(c->account_id, "123456789012");
  EXPECT_EQ(c->arn, "arn:aws:iam::123456789012:root");
}

TEST(CredentialStore, UnknownKeyIsAnUnverifiableRootUnlessStrict) {
  CredentialStore lenient;
  auto c = lenient.lookup("FOOBARKEY");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->verifiable);
  EXPECT_EQ(c->account_id, kDefaultAccount);
  EXPECT_EQ(c->access_key, "FOOBARKEY");
  CredentialStore strict(true);
  EXPECT_FALSE(strict.lookup("FOOBARKEY"));
  EXPECT_TRUE(strict.lookup("test"));
}

TEST(CredentialStore, IssuedKeysAreVerifiedAndRevokedOnesStayRefused) {
  CredentialStore store;
  store.put(user_key("AKIAISSUED0000000001"));
  auto c = store.lookup("AKIAISSUED0000000001");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->verifiable);
  EXPECT_EQ(c->secret_key, "s3cret");
  store.remove("AKIAISSUED0000000001");
  EXPECT_FALSE(store.lookup("AKIAISSUED0000000001"));  // never the root
  store.put(user_key("AKIAISSUED0000000001"));
  EXPECT_TRUE(store.lookup("AKIAISSUED0000000001"));
  store.remove("AKIAISSUED0000000001");
  store.clear();
  EXPECT_TRUE(store.lookup("AKIAISSUED0000000001") && !store.lookup("AKIAISSUED0000000001")->verifiable);
}

TEST(CredentialStore, ResetAuthTurnsStrictAfterTheFreeRequests) {
  CredentialStore store;
  EXPECT_FALSE(store.admit_request());
  EXPECT_EQ(store.reset_auth(2), "inf");
  EXPECT_FALSE(store.admit_request());
  EXPECT_FALSE(store.strict());
  EXPECT_FALSE(store.admit_request());
  EXPECT_TRUE(store.strict());
  EXPECT_TRUE(store.admit_request());
  EXPECT_TRUE(store.admit_request());
  EXPECT_EQ(store.reset_auth(std::numeric_limits<double>::infinity()), "2.0");
  EXPECT_FALSE(store.admit_request());
  EXPECT_EQ(store.reset_auth(0), "inf");
  EXPECT_TRUE(store.admit_request());
}

TEST(CredentialStore, ConfiguredStrictnessOutlivesResetAuth) {
  CredentialStore store(true);
  store.reset_auth(5);
  EXPECT_TRUE(store.admit_request());
}

TEST(PythonFloatText, MatchesPythonStr) {
  EXPECT_EQ(python_float_text(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(python_float_text(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(python_float_text(4), "4.0");
  EXPECT_EQ(python_float_text(0), "0.0");
  EXPECT_EQ(python_float_text(2.5), "2.5");
  EXPECT_EQ(python_float_text(-3), "-3.0");
  EXPECT_EQ(python_float_text(1e16), "1e+16");
  EXPECT_EQ(python_float_text(123456789012345.0), "123456789012345.0");
  EXPECT_EQ(python_float_text(0.0001), "0.0001");
  EXPECT_EQ(python_float_text(0.00001), "1e-05");
}

}  // namespace
}  // namespace nuage::auth
