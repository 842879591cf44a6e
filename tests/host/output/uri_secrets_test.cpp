// uri_secrets: what of a connection URI is shown, what is scrubbed from libpq's and
// libcurl's messages, and which user-infos are refused without being echoed.
#include "uri_secrets.hpp"

#include <gtest/gtest.h>

#include "errors.hpp"

namespace {

using trafficsim::host::uri_secrets;
using trafficsim::host::usage_error;

TEST(UriSecrets, ShownIsSchemeHostPortAndPathOnly) {
  EXPECT_EQ(uri_secrets("http://me:pw@127.0.0.1:8080/ingest?token=t#frag").shown(), "http://127.0.0.1:8080/ingest");
  EXPECT_EQ(uri_secrets("https://host/x").shown(), "https://host/x");
  EXPECT_EQ(uri_secrets("postgresql://me:p@ss@db.example.com:5432/metering").shown(),
            "postgresql://db.example.com:5432/metering")
      << "the user-info ends at the last '@'";
  EXPECT_EQ(uri_secrets("postgresql:///metering?host=/run/postgresql&password=x").shown(), "postgresql:///metering");
}

TEST(UriSecrets, ScrubRemovesEverySecretFromForeignMessages) {
  const uri_secrets s("postgresql://me:p%40ssword1@[::1/db?password=qpass42&host=/run/pg");
  // libpq quotes the whole URI in some messages, the raw password token in others.
  EXPECT_EQ(s.scrub("bad URI: \"postgresql://me:p%40ssword1@[::1/db?password=qpass42&host=/run/pg\""),
            "bad URI: \"postgresql://[::1/db\"");
  EXPECT_EQ(s.scrub("invalid percent-encoded token: \"p%40ssword1\""), "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(s.scrub("password p@ssword1 and qpass42"), "password *** and ***");
  EXPECT_EQ(s.scrub("socket \"/run/pg/.s.PGSQL.5432\""), "socket \"/run/pg/.s.PGSQL.5432\"")
      << "libpq's other parameters stay readable";
  const uri_secrets h("http://127.0.0.1/x?tenant=acme-token-9");
  EXPECT_EQ(h.scrub("rejected acme-token-9"), "rejected ***") << "an HTTP query's values are all secret";
}

TEST(UriSecrets, AUserInfoTheParsersWouldSplitIsRefusedWithoutEchoingIt) {
  for (const char* uri :
       {"postgresql://me:ab/cdSECRET@host/db", "postgresql://me:ab#cdSECRET@host/db", "http://me:ab?cdSECRET@host/x",
        "http://me:ab%zzSECRET@host/x", "http://me:abSECRET%@host/x"}) {
    try {
      const uri_secrets s(uri);
      ADD_FAILURE() << uri << " was accepted";
    } catch (const usage_error& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.find("SECRET"), std::string::npos) << message;
      EXPECT_EQ(message.find("ab"), std::string::npos) << message;
      EXPECT_NE(message.find("***@host"), std::string::npos) << message;
    }
  }
  // A '@' in a path after a plain host and port is not a user-info: accepted (and hidden).
  EXPECT_NO_THROW(uri_secrets("http://127.0.0.1:8080/users/@me"));
}

}  // namespace
