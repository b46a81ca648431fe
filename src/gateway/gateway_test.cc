#include "gateway/gateway.h"

#include <gtest/gtest.h>

namespace nuage::gateway {
namespace {

http::Request unsigned_request(const std::string& method, const std::string& target) {
  http::Request r;
  r.method = method;
  r.target = target;
  return r;
}

TEST(DetectService, LambdaPathsFromItsModel) {
  // Requests without a credential scope: the path decides.
  for (const char* target : {"/2015-03-31/functions/f/invocations", "/2021-10-31/functions/f/url",
                             "/2018-10-31/layers/l/versions", "/2017-03-31/tags/arn", "/2020-06-30/functions/f/code-signing-config",
                             "/2015-03-31/event-source-mappings/", "/2016-08-19/account-settings/"})
    EXPECT_EQ(detect_service(unsigned_request("GET", target), ""), "lambda") << target;
  // A bucket named like a date is still S3's, and so is an unknown collection.
  for (const char* target : {"/2015-03-31", "/2015-03-31/key.txt", "/2018-10-31/photos/a.jpg", "/bucket/key"})
    EXPECT_EQ(detect_service(unsigned_request("GET", target), ""), "s3") << target;
  // The credential scope wins over the path.
  EXPECT_EQ(detect_service(unsigned_request("GET", "/2015-03-31/functions"), "s3"), "s3");
}

}  // namespace
}  // namespace nuage::gateway
