#include "sensor/extract/smtp/mbox_splitter.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/smtp/mail_test_support.h"

namespace bw::extract::smtp {
namespace {

using testing::RecordingSink;
using testing::span_of;

// Message 1 as its sender wrote it; in the mbox its "From " lines are quoted (mboxrd).
const std::string kFirstMessage =
    "Message-ID: <mb1@x.example>\n"
    "Subject: first\n"
    "Delivered-To: alice@example.org\n"
    "\n"
    "Hello http://one.example/a\n"
    "From the archive: http://quoted.example/q\n"
    ">From a reply\n"
    "\n";

const std::string kMbox =
    "From news@news-example.com Tue Jan  2 10:00:00 2024\n"
    "Message-ID: <mb1@x.example>\n"
    "Subject: first\n"
    "Delivered-To: alice@example.org\n"
    "\n"
    "Hello http://one.example/a\n"
    ">From the archive: http://quoted.example/q\n"
    ">>From a reply\n"
    "\n"
    "From MAILER-DAEMON Tue Jan  2 11:00:00 2024\n"
    "Message-ID: <mb2@x.example>\n"
    "To: bob@example.org\n"
    "Content-Type: text/html\n"
    "\n"
    "<img src=\"http://two.example/p.gif\">\n"
    ">Fromage is not quoted\n"
    ">>>";

struct Split {
  RecordingSink sink;
  SmtpCounters counters;
};

// Feeds like the tool: what on_bytes leaves is presented again, and handed to finish at the end.
Split split(std::string_view mbox, std::size_t cut) {
  Split s;
  const auto splitter = std::make_unique<MboxSplitter>();
  std::string pending;
  for (const std::string_view part : {mbox.substr(0, cut), mbox.substr(cut)}) {
    pending.append(part);
    pending.erase(0, splitter->on_bytes(span_of(pending), s.sink, s.counters));
  }
  splitter->finish(span_of(pending), s.sink, s.counters);
  return s;
}

TEST(MboxSplitter, TwoMessagesWithEnvelopeSendersAndUnquoting) {
  for (std::size_t cut = 0; cut <= kMbox.size(); ++cut) {
    const Split s = split(kMbox, cut);
    ASSERT_EQ(s.sink.messages.size(), 2u) << "cut at " << cut;
    const auto& first = s.sink.messages[0];
    EXPECT_EQ(first.message_id, "<mb1@x.example>");
    EXPECT_EQ(first.envelope_from, "news@news-example.com");
    EXPECT_EQ(first.recipients, std::vector<std::string>{"alice@example.org"});
    EXPECT_EQ(first.size, kFirstMessage.size());  // one ">" removed from each quoted line
    EXPECT_TRUE(first.complete);
    const auto& second = s.sink.messages[1];
    EXPECT_EQ(second.message_id, "<mb2@x.example>");
    EXPECT_EQ(second.envelope_from, "MAILER-DAEMON");
    EXPECT_EQ(second.recipients, std::vector<std::string>{"bob@example.org"});
    // The trailing ">>>" that could have become a quoted From line is content after all.
    EXPECT_EQ(second.size, std::string_view("Message-ID: <mb2@x.example>\nTo: bob@example.org\n"
                                            "Content-Type: text/html\n\n<img src=\"http://two."
                                            "example/p.gif\">\n>Fromage is not quoted\n>>>")
                               .size());
    ASSERT_EQ(s.sink.url_texts(),
              (std::vector<std::string>{"http://one.example/a", "http://quoted.example/q",
                                        "http://two.example/p.gif"}))
        << "cut at " << cut;
    ASSERT_EQ(s.counters.messages, 2u);
  }
}

TEST(MboxSplitter, TextBeforeTheFirstFromLineIsAMessageToo) {
  RecordingSink sink;
  SmtpCounters counters;
  split_mbox(span_of("Subject: no separator\n\nhttp://lone.example/\n"), sink, counters);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].envelope_from, "");
  EXPECT_EQ(sink.url_texts(), std::vector<std::string>{"http://lone.example/"});
}

TEST(MboxSplitter, OverlongFromLineIsSkipped) {
  RecordingSink sink;
  SmtpCounters counters;
  const std::string mbox = "From " + std::string(MboxSplitter::kMaxFromLineBytes * 2, 'x') +
                           "\nSubject: s\n\nhttp://after-long-from.example/\n";
  split_mbox(span_of(mbox), sink, counters);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].subject, "s");
  EXPECT_EQ(counters.line_too_long, 1u);
  EXPECT_EQ(sink.url_texts(), std::vector<std::string>{"http://after-long-from.example/"});
}

TEST(MboxSplitter, EmptyAndSeparatorOnlyFiles) {
  RecordingSink sink;
  SmtpCounters counters;
  split_mbox(span_of(""), sink, counters);
  EXPECT_TRUE(sink.messages.empty());
  split_mbox(span_of("From a@b Mon Jan  1 00:00:00 2024\n"), sink, counters);
  ASSERT_EQ(sink.messages.size(), 1u);
  EXPECT_EQ(sink.messages[0].envelope_from, "a@b");
  EXPECT_EQ(sink.messages[0].size, 0u);
}

}  // namespace
}  // namespace bw::extract::smtp
