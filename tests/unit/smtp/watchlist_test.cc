#include "tools/mail/watchlist.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tools/mail/watchlist_command.h"

namespace bw::mail {
namespace {

using extract::smtp::MailMessage;
using extract::smtp::MailUrl;
using extract::smtp::UrlKind;

TEST(Watchlist, FieldsNeverCarryControlCharacters) {
  EXPECT_EQ(tsv_field("a\tb\r\nc\x01\x7f"
                      "d caf\xc3\xa9"),
            "a b  c  d caf\xc3\xa9");
}

TEST(Watchlist, RowLayout) {
  MailMessage message;
  message.message_id.assign("<m@x>");
  message.subject.assign("Weekly\tnews");
  message.date.assign("Tue, 02 Jan 2024 10:00:00 +0000");
  message.recipients.push_back(extract::smtp::Address("a@x.example"));
  message.recipients.push_back(extract::smtp::Address("b@x.example"));
  MailUrl url;
  url.url.assign("http://t.example/o.gif?u=1");
  url.host.assign("t.example");
  url.kind = UrlKind::kImage;
  EXPECT_EQ(watchlist_row(message, url),
            "http://t.example/o.gif?u=1\tt.example\timg\t<m@x>\ta@x.example,b@x.example\t"
            "Weekly news\tTue, 02 Jan 2024 10:00:00 +0000\n");
  url.kind = UrlKind::kCss;
  message = MailMessage{};
  EXPECT_EQ(watchlist_row(message, url), "http://t.example/o.gif?u=1\tt.example\tcss\t\t\t\t\n");
}

std::optional<WatchlistOptions> parse(std::vector<const char*> arguments, std::string& error) {
  return parse_watchlist_arguments(arguments, error);
}

TEST(WatchlistCommand, Arguments) {
  std::string error;
  auto options = parse({"a.eml", "--format", "mbox", "b.mbox", "--out", "w.tsv"}, error);
  ASSERT_TRUE(options) << error;
  EXPECT_EQ(options->format, MailFormat::kMbox);
  EXPECT_EQ(options->inputs, (std::vector<std::string>{"a.eml", "b.mbox"}));
  EXPECT_EQ(options->output, "w.tsv");

  options = parse({"--out=-", "--format=eml", "--", "--odd-name.eml"}, error);
  ASSERT_TRUE(options) << error;
  EXPECT_EQ(options->format, MailFormat::kEml);
  EXPECT_EQ(options->inputs, std::vector<std::string>{"--odd-name.eml"});
  EXPECT_EQ(options->output, "-");

  options = parse({"--help"}, error);
  ASSERT_TRUE(options);
  EXPECT_TRUE(options->help);
}

TEST(WatchlistCommand, ArgumentErrorsAreOneLine) {
  const std::vector<std::pair<std::vector<const char*>, std::string>> cases = {
      {{"a.eml"}, "--out is required"},
      {{"--out", "w.tsv"}, "no input file"},
      {{"a.eml", "--out"}, "--out needs a value"},
      {{"a.eml", "--format", "maildir", "--out", "w"}, "unknown format 'maildir' (eml or mbox)"},
      {{"a.eml", "-x", "--out", "w"}, "unknown option '-x'"},
  };
  for (const auto& [arguments, message] : cases) {
    std::string error;
    EXPECT_FALSE(parse(arguments, error));
    EXPECT_EQ(error, message);
  }
}

class WatchlistRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("bw_mail_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, std::string_view content) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  std::filesystem::path dir_;
};

TEST_F(WatchlistRun, EmlAndMboxIntoOneWatchlist) {
  WatchlistOptions options;
  options.inputs = {
      write("one.eml",
            "Message-ID: <e1@x>\r\nTo: a@x.example\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n"
            "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\nContent-Type: text/html\r\n\r\n"
            "<img src=\"http://p.example/o.gif\"><a href=\"https://l.example/\">l</a>\r\n"),
      write("box",
            "From x@y Mon Jan  1 00:00:00 2024\nMessage-ID: <b1@x>\nDelivered-To: b@x.example\n\n"
            "http://text.example/1\n\nFrom x@y Mon Jan  1 00:00:01 2024\nMessage-ID: <b2@x>\n\n"
            "nothing here\n")};
  options.output = (dir_ / "watchlist.tsv").string();
  std::ostringstream messages;
  EXPECT_EQ(run_watchlist(options, messages), 0);
  EXPECT_EQ(read(options.output),
            std::string(kWatchlistHeader) +
                "http://p.example/o.gif\tp.example\timg\t<e1@x>\ta@x.example\tcaf\xc3\xa9\t"
                "Mon, 1 Jan 2024 00:00:00 +0000\n"
                "https://l.example/\tl.example\tlink\t<e1@x>\ta@x.example\tcaf\xc3\xa9\t"
                "Mon, 1 Jan 2024 00:00:00 +0000\n"
                "http://text.example/1\ttext.example\tlink\t<b1@x>\tb@x.example\t\t\n");
  EXPECT_EQ(messages.str(), "bw-mail-watchlist: messages: 3, rows: 3\n");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            3);  // no temporary file left over
}

TEST_F(WatchlistRun, FormatOptionOverridesDetection) {
  WatchlistOptions options;
  options.format = MailFormat::kEml;
  options.inputs = {write("looks-like.mbox", "From x@y Mon\nhttp://as-eml.example/\n")};
  options.output = (dir_ / "w.tsv").string();
  std::ostringstream messages;
  EXPECT_EQ(run_watchlist(options, messages), 0);
  // Read as one message, the "From " line is a malformed header, the URL line another.
  EXPECT_EQ(read(options.output), std::string(kWatchlistHeader));
}

TEST_F(WatchlistRun, UnreadableInputFailsWithoutOutput) {
  WatchlistOptions options;
  options.inputs = {write("ok.eml", "\r\nhttp://x.example/\r\n"), (dir_ / "missing.eml").string()};
  options.output = (dir_ / "w.tsv").string();
  std::ostringstream messages;
  EXPECT_EQ(run_watchlist(options, messages), 1);
  EXPECT_EQ(messages.str(), "bw-mail-watchlist: cannot open " + options.inputs[1] +
                                ": No such file or directory\n");
  EXPECT_FALSE(std::filesystem::exists(options.output));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            1);
}

TEST_F(WatchlistRun, DirectoryAsInputFails) {
  WatchlistOptions options;
  options.inputs = {dir_.string()};
  options.output = (dir_ / "w.tsv").string();
  std::ostringstream messages;
  EXPECT_EQ(run_watchlist(options, messages), 1);
  EXPECT_EQ(messages.str(),
            "bw-mail-watchlist: cannot read " + dir_.string() + ": Is a directory\n");
}

TEST_F(WatchlistRun, UnwritableOutputFails) {
  WatchlistOptions options;
  options.inputs = {write("ok.eml", "\r\nhttp://x.example/\r\n")};
  options.output = (dir_ / "no-such-dir" / "w.tsv").string();
  std::ostringstream messages;
  EXPECT_EQ(run_watchlist(options, messages), 1);
  EXPECT_TRUE(messages.str().starts_with("bw-mail-watchlist: cannot write "));
}

}  // namespace
}  // namespace bw::mail
