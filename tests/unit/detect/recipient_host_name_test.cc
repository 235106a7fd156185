// RecipientDirectory::match_host_name: recipients in DNS query names and TLS/QUIC server names.
#include <gtest/gtest.h>

#include <string>

#include "sensor/detect/recipient_directory.h"

namespace bw::detect {
namespace {

using HostNameMatch = RecipientDirectory::HostNameMatch;

// Digests and encodings computed with Python's hashlib and base64 modules.
constexpr std::string_view kJohnMd5 = "700c1372a8ff2e66e6f6938545413433";
constexpr std::string_view kJohnSha1 = "17c9a08f7191f474796fc83217084ca25d5884e8";
constexpr std::string_view kJohnBase64Url = "am9obi5kb2VAcGFybGlhbWVudC5leGFtcGxl";
constexpr std::string_view kJohnWrittenBase64Url = "Sm9obi5Eb2VAUGFybGlhbWVudC5leGFtcGxl";
constexpr std::string_view kJoannaBase64Url = "am9-YW5uYUBtaW5pc3RyeS5leGFtcGxl";

class RecipientHostNameTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory_.add("John.Doe@Parliament.example"));   // 0
    ASSERT_TRUE(directory_.add("jdoe@example.org"));              // 1: local part too short alone
    ASSERT_TRUE(directory_.add("jo~anna@ministry.example"));      // 2
    ASSERT_TRUE(directory_.add("beaconwatch@ministry.example"));  // 3: a long local part
  }

  void expect(std::string_view name, std::uint32_t recipient, HostNameForm form, std::size_t offset,
              std::size_t length) {
    HostNameMatch m;
    ASSERT_TRUE(directory_.match_host_name(name, m)) << name;
    EXPECT_EQ(m.recipient_index, recipient) << name;
    EXPECT_EQ(m.form, form) << name << ": " << host_name_form_name(m.form);
    EXPECT_EQ(m.offset, offset) << name;
    EXPECT_EQ(m.length, length) << name;
  }
  bool matches(std::string_view name) const {
    HostNameMatch m;
    return directory_.match_host_name(name, m);
  }

  RecipientDirectory directory_;
};

TEST_F(RecipientHostNameTest, AddressWithAnySeparator) {
  expect("jdoe-example-org.t.tracker.com", 1, HostNameForm::kAddress, 0, 16);
  expect("jdoe_example_org.t.tracker.com", 1, HostNameForm::kAddress, 0, 16);
  expect("jdoe.example.org.t.tracker.com", 1, HostNameForm::kAddress, 0, 16);
  expect("JDoe-Example-Org.t.tracker.com.", 1, HostNameForm::kAddress, 0, 16);
  expect("john-doe-parliament-example.open.vendor.io", 0, HostNameForm::kAddress, 0, 27);
  expect("o-john_doe-parliament-example.open.vendor.io", 0, HostNameForm::kAddress, 2, 27);
}

TEST_F(RecipientHostNameTest, HexDigestLabels) {
  expect(std::string(kJohnMd5) + ".open.vendor.com", 0, HostNameForm::kMd5Hex, 0, 32);
  std::string upper(kJohnMd5);
  for (char& c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  expect("px." + upper + ".open.vendor.com", 0, HostNameForm::kMd5Hex, 3, 32);
  expect("e-" + std::string(kJohnSha1) + ".t.vendor.com", 0, HostNameForm::kSha1Hex, 2, 40);
}

TEST_F(RecipientHostNameTest, Base64UrlLabelsExactly) {
  expect(std::string(kJohnBase64Url) + ".t.vendor.com", 0, HostNameForm::kBase64Url, 0, 36);
  expect(std::string(kJohnWrittenBase64Url) + ".t.vendor.com", 0, HostNameForm::kBase64Url, 0, 36);
  expect("x." + std::string(kJoannaBase64Url) + ".t.vendor.com", 2, HostNameForm::kBase64Url, 2,
         32);
  // Lower-cased on the way, base64 no longer says the same thing.
  std::string lowered(kJohnWrittenBase64Url);
  for (char& c : lowered)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_FALSE(matches(lowered + ".t.vendor.com"));
}

TEST_F(RecipientHostNameTest, LocalPartAloneOnlyWhenDistinctive) {
  expect("john-doe.t.tracker.com", 0, HostNameForm::kLocalPart, 0, 8);
  expect("x.beaconwatch.tracker.com", 3, HostNameForm::kLocalPart, 2, 11);
  EXPECT_FALSE(matches("jdoe.t.tracker.com"));         // "jdoe": too short to mean someone
  EXPECT_FALSE(matches("o-beaconwatch.tracker.com"));  // not whole labels
  // The address beats the local part, wherever it is.
  expect("john-doe.john-doe-parliament-example.t.tracker.com", 0, HostNameForm::kAddress, 9, 27);
}

TEST_F(RecipientHostNameTest, TheTrackersOwnDomainMustRemain) {
  EXPECT_FALSE(matches("jdoe.example.org"));  // the recipient's own domain
  EXPECT_FALSE(matches("mail.jdoe.example.org"));
  EXPECT_FALSE(matches("jdoe-example-org.com"));
  EXPECT_FALSE(matches(std::string(kJohnMd5) + ".com"));
  EXPECT_TRUE(matches("jdoe-example-org.tracker.com"));
}

TEST_F(RecipientHostNameTest, NoMatchForOtherNames) {
  EXPECT_FALSE(matches(""));
  EXPECT_FALSE(matches("."));
  EXPECT_FALSE(matches("www.example.org"));
  EXPECT_FALSE(matches("xjdoe-example-org.t.tracker.com"));  // a longer local part
  EXPECT_FALSE(matches("jdoe-example-orgs.t.tracker.com"));  // a longer domain
  EXPECT_FALSE(matches(std::string(300, 'a') + ".t.tracker.com"));
  EXPECT_FALSE(matches(std::string(kJohnMd5).substr(1) + ".t.vendor.com"));
  RecipientDirectory empty;
  HostNameMatch m;
  EXPECT_FALSE(empty.match_host_name("jdoe-example-org.t.tracker.com", m));
}

TEST(RecipientHostName, FormNames) {
  EXPECT_EQ(host_name_form_name(HostNameForm::kLocalPart), "local-part");
  EXPECT_EQ(host_name_form_name(HostNameForm::kAddress), "address");
  EXPECT_EQ(host_name_form_name(HostNameForm::kMd5Hex), "md5");
  EXPECT_EQ(host_name_form_name(HostNameForm::kSha1Hex), "sha1");
  EXPECT_EQ(host_name_form_name(HostNameForm::kBase64Url), "base64url");
}

TEST(RecipientHostName, ManyRecipientsStayExact) {
  RecipientDirectory directory;
  for (int i = 0; i < 5000; ++i) {
    ASSERT_TRUE(directory.add("user" + std::to_string(i) + "@corp.example"));
  }
  HostNameMatch m;
  ASSERT_TRUE(directory.match_host_name("user4711-corp-example.t.tracker.com", m));
  EXPECT_EQ(directory.address(m.recipient_index), "user4711@corp.example");
  EXPECT_FALSE(directory.match_host_name("user5000-corp-example.t.tracker.com", m));
}

}  // namespace
}  // namespace bw::detect
