#include "sensor/extract/smtp/mime_fields.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bw::extract::smtp {
namespace {

std::vector<std::string> addresses(std::string_view list) {
  std::vector<std::string> out;
  for_each_address(list, [&](std::string_view a) { out.emplace_back(a); });
  return out;
}

TEST(ContentType, KindsAndBoundary) {
  ContentType t = parse_content_type("multipart/alternative; boundary=\"=_b1 x\"; charset=utf-8");
  EXPECT_EQ(t.kind, MediaKind::kMultipart);
  EXPECT_EQ(t.boundary, "=_b1 x");
  t = parse_content_type("Multipart/Mixed;\tBOUNDARY=plain-token ; other=1");
  EXPECT_EQ(t.kind, MediaKind::kMultipart);
  EXPECT_EQ(t.boundary, "plain-token");
  t = parse_content_type("multipart/related; type=\"text/html\"; boundary=\"a\\\"b\"");
  EXPECT_EQ(t.boundary, "a\"b");
  EXPECT_EQ(parse_content_type("TEXT/HTML; charset=\"iso-8859-1\"").kind, MediaKind::kTextHtml);
  EXPECT_EQ(parse_content_type("text/plain").kind, MediaKind::kTextPlain);
  EXPECT_EQ(parse_content_type("text/calendar").kind, MediaKind::kOther);
  EXPECT_EQ(parse_content_type("message/rfc822").kind, MediaKind::kMessage);
  EXPECT_EQ(parse_content_type("message/delivery-status").kind, MediaKind::kOther);
  EXPECT_EQ(parse_content_type("image/gif; name=\"pixel.gif\"").kind, MediaKind::kOther);
}

TEST(ContentType, MalformedValuesFallBackToTheDefault) {
  EXPECT_EQ(parse_content_type("").kind, MediaKind::kTextPlain);
  EXPECT_EQ(parse_content_type("garbage").kind, MediaKind::kTextPlain);
  const ContentType t =
      parse_content_type("multipart/mixed; boundary; =x; boundary=\"unterminated");
  EXPECT_EQ(t.kind, MediaKind::kMultipart);
  EXPECT_EQ(t.boundary, "unterminated");
}

TEST(ContentType, OverlongBoundaryIsKeptOneBytePastTheLimit) {
  const ContentType t = parse_content_type("multipart/mixed; boundary=" + std::string(90, 'q'));
  EXPECT_EQ(t.boundary.size(), kMaxBoundary + 1);
}

TEST(AddressList, MailboxesGroupsAndComments) {
  EXPECT_EQ(addresses("\"Doe, Jane\" <jane@example.org>, bob@example.net (Bob, the builder),"
                      " team: a@x.example, <b@y.example>; undisclosed-recipients:;"
                      " <@relay.example:c@z.example>, not-an-address"),
            (std::vector<std::string>{"jane@example.org", "bob@example.net", "a@x.example",
                                      "b@y.example", "c@z.example"}));
  EXPECT_TRUE(addresses("").empty());
  EXPECT_TRUE(addresses(",,;:").empty());
}

// Found by fuzzing: a quoted string ending in a backslash ran the cursor past the list's end.
TEST(AddressList, QuotedStringCutAfterABackslash) {
  EXPECT_EQ(addresses("a@x.example, \"unterminated \\"), std::vector<std::string>{"a@x.example"});
  EXPECT_EQ(addresses("\"\\"), std::vector<std::string>{});
}

TEST(AddressList, AddAddressKeepsOneOfEachUpToCapacity) {
  FixedVector<Address, kMaxRecipients> list;
  EXPECT_EQ(add_address(list, "a@x.example"), AddResult::kAdded);
  EXPECT_EQ(add_address(list, "A@X.example"), AddResult::kDuplicate);
  for (std::size_t i = 1; i < kMaxRecipients; ++i) {
    ASSERT_EQ(add_address(list, "u" + std::to_string(i) + "@x.example"), AddResult::kAdded);
  }
  EXPECT_EQ(add_address(list, "late@x.example"), AddResult::kFull);
  EXPECT_EQ(list.size(), kMaxRecipients);
}

}  // namespace
}  // namespace bw::extract::smtp
