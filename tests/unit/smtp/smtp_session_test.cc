#include "sensor/extract/smtp/smtp_session.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/smtp/mail_test_support.h"

namespace bw::extract::smtp {
namespace {

using testing::EndedMessage;
using testing::FoundUrl;
using testing::SmtpConversation;

struct Segment {
  bool client;
  std::string bytes;
};

// Message 1 goes out with DATA: its QP HTML has a soft break right before ".gif", so the line
// that follows starts with a dot and is sent dot-stuffed ("..gif").
const std::string kMessage1Stuffed =
    "From: News <news@news-example.com>\r\n"
    "To: alice@example.org, bob@example.org\r\n"
    "Subject: =?UTF-8?B?RGlnZXN0IOKckw==?=\r\n"
    "Message-ID: <m1@news-example.com>\r\n"
    "Content-Type: text/html\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>Hi</p><img src=3D\"http://news-example.com/o/3f2a=\r\n"
    "..gif\" width=3D1>\r\n"
    "..\r\n"
    "<a href=3D\"http://news-example.com/c/1\">x</a>\r\n"
    ".\r\n";

// Message 2 goes out in two BDAT chunks (no dot-stuffing there), cutting a URL in two.
const std::string kChunk1 =
    "Message-ID: <m2@x.example>\r\nContent-Type: text/plain\r\n\r\nVisit http://chunk";
const std::string kChunk2 = "ed.example/a and\r\n..http://dots.example/\r\n";

std::vector<Segment> pipelined_session() {
  return {
      {false, "220 mx.example.org ESMTP\r\n"},
      {true, "EHLO client.example.net\r\n"},
      {false, "250-mx.example.org\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n"},
      {true,
       "MAIL FROM:<news@news-example.com> BODY=8BITMIME\r\nRCPT TO:<alice@example.org>\r\n"
       "RCPT TO:<bob@example.org>\r\nDATA\r\n"},
      {false,
       "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <bob@example.org>: Recipient address "
       "rejected\r\n354 End data with <CR><LF>.<CR><LF>\r\n"},
      {true, kMessage1Stuffed},
      {false, "250 2.0.0 Ok: queued as 3F2A\r\n"},
      {true, "mail from:<>\r\nrcpt to:<carol@example.org>\r\nBDAT " +
                 std::to_string(kChunk1.size()) + "\r\n" + kChunk1 + "BDAT " +
                 std::to_string(kChunk2.size()) + " LAST\r\n" + kChunk2},
      {false, "250 Ok\r\n250 Ok\r\n250 Ok chunk\r\n250 Ok queued\r\n"},
      {true, "QUIT\r\n"},
      {false, "221 2.0.0 Bye\r\n"},
  };
}

struct Outcome {
  std::vector<FoundUrl> urls;
  std::vector<EndedMessage> messages;
  std::vector<std::uint64_t> counters;
  bool stopped = false;
};

// Plays the segments in order; the client stream is cut once more at client_split and the
// server stream at server_split, as TCP segmentation might.
Outcome play(const std::vector<Segment>& segments, std::size_t client_split = std::string::npos,
             std::size_t server_split = std::string::npos) {
  SmtpConversation c;
  std::size_t offsets[2] = {0, 0};
  for (const Segment& s : segments) {
    std::size_t& offset = offsets[s.client ? 0 : 1];
    const std::size_t split = s.client ? client_split : server_split;
    std::size_t cut = s.bytes.size();
    if (split > offset && split < offset + s.bytes.size()) cut = split - offset;
    for (const std::string_view piece :
         {std::string_view(s.bytes).substr(0, cut), std::string_view(s.bytes).substr(cut)}) {
      if (piece.empty()) continue;
      s.client ? c.client(piece) : c.server(piece);
    }
    offset += s.bytes.size();
  }
  const bool stopped = c.session().stopped();
  c.finish();
  return {c.sink().urls, c.sink().messages, testing::counter_values(c.counters()), stopped};
}

std::size_t stream_size(const std::vector<Segment>& segments, bool client) {
  std::size_t size = 0;
  for (const Segment& s : segments)
    size += s.client == client ? s.bytes.size() : 0;
  return size;
}

TEST(SmtpSession, PipelinedDataAndBdatMessages) {
  SmtpConversation c;
  for (const Segment& s : pipelined_session()) {
    const std::size_t consumed = s.client ? c.client(s.bytes, 5000) : c.server(s.bytes);
    EXPECT_EQ(consumed, s.bytes.size());
  }
  const std::vector<FoundUrl> expected_urls = {
      {"http://news-example.com/o/3f2a.gif",
       "news-example.com",
       UrlKind::kImage,
       "<m1@news-example.com>",
       {"alice@example.org"}},
      {"http://news-example.com/c/1",
       "news-example.com",
       UrlKind::kLink,
       "<m1@news-example.com>",
       {"alice@example.org"}},
      {"http://chunked.example/a",
       "chunked.example",
       UrlKind::kLink,
       "<m2@x.example>",
       {"carol@example.org"}},
      {"http://dots.example/",
       "dots.example",
       UrlKind::kLink,
       "<m2@x.example>",
       {"carol@example.org"}},
  };
  EXPECT_EQ(c.sink().urls, expected_urls);
  ASSERT_EQ(c.sink().messages.size(), 2u);
  const EndedMessage& m1 = c.sink().messages[0];
  EXPECT_EQ(m1.envelope_from, "news@news-example.com");
  EXPECT_EQ(m1.recipients, std::vector<std::string>{"alice@example.org"});  // bob refused
  EXPECT_EQ(m1.subject, "Digest \xe2\x9c\x93");
  EXPECT_EQ(m1.to, "alice@example.org, bob@example.org");
  EXPECT_TRUE(m1.complete);
  EXPECT_EQ(m1.ts, 5000);
  // Unstuffed: two lines lost a dot; the final ".\r\n" is not content.
  EXPECT_EQ(m1.size, kMessage1Stuffed.size() - 2 - 3);
  const EndedMessage& m2 = c.sink().messages[1];
  EXPECT_EQ(m2.envelope_from, "");
  EXPECT_EQ(m2.recipients, std::vector<std::string>{"carol@example.org"});
  EXPECT_EQ(m2.size, kChunk1.size() + kChunk2.size());  // BDAT content is taken as is
  const SmtpCounters& n = c.counters();
  EXPECT_EQ(n.commands, 10u);
  EXPECT_EQ(n.replies, 12u);
  EXPECT_EQ(n.replies_unexpected, 0u);
  EXPECT_EQ(n.messages, 2u);
  EXPECT_EQ(n.messages_accepted, 2u);
  EXPECT_EQ(n.recipients, 3u);
  EXPECT_EQ(n.recipients_rejected, 1u);
  EXPECT_EQ(n.data_end_bare_lf, 0u);
  EXPECT_EQ(n.unknown_commands, 0u);
  EXPECT_EQ(n.urls, 4u);
}

TEST(SmtpSession, SameResultWhateverTheSegmentation) {
  const std::vector<Segment> segments = pipelined_session();
  const Outcome whole = play(segments);
  ASSERT_EQ(whole.urls.size(), 4u);
  for (std::size_t split = 1; split < stream_size(segments, true); ++split) {
    const Outcome r = play(segments, split);
    ASSERT_EQ(r.urls, whole.urls) << "client split at " << split;
    ASSERT_EQ(r.messages, whole.messages) << "client split at " << split;
    ASSERT_EQ(r.counters, whole.counters) << "client split at " << split;
  }
  for (std::size_t split = 1; split < stream_size(segments, false); ++split) {
    const Outcome r = play(segments, std::string::npos, split);
    ASSERT_EQ(r.messages, whole.messages) << "server split at " << split;
    ASSERT_EQ(r.counters, whole.counters) << "server split at " << split;
  }
}

TEST(SmtpSession, ClientDirectionAloneStillYieldsTheMessages) {
  std::vector<Segment> client_only;
  for (const Segment& s : pipelined_session()) {
    if (s.client) client_only.push_back(s);
  }
  const Outcome r = play(client_only);
  ASSERT_EQ(r.messages.size(), 2u);
  // Without replies nobody is known to be refused.
  EXPECT_EQ(r.messages[0].recipients,
            (std::vector<std::string>{"alice@example.org", "bob@example.org"}));
  EXPECT_EQ(r.urls.size(), 4u);
}

TEST(SmtpSession, StartTlsAcceptedStopsBothDirections) {
  SmtpConversation c;
  c.server("220 mx ESMTP\r\n");
  c.client("EHLO x.example\r\n");
  c.server("250-mx\r\n250 STARTTLS\r\n");
  c.client("STARTTLS\r\n");
  c.server("220 2.0.0 Ready to start TLS\r\n");
  // From here on both directions are TLS: nothing is consumed, the caller parses it as TLS.
  const std::string hello("\x16\x03\x01\x00\x05hello", 10);
  EXPECT_EQ(c.client(hello), 0u);
  const std::string after = "MAIL FROM:<a@b.example>\r\nDATA\r\n";
  EXPECT_EQ(c.client(after), 0u);
  EXPECT_EQ(c.server("garbage"), 0u);
  EXPECT_TRUE(c.session().stopped());
  EXPECT_TRUE(c.session().tls_started());
  EXPECT_EQ(c.counters().starttls, 1u);
  EXPECT_EQ(c.counters().commands, 2u);
  EXPECT_EQ(c.counters().reply_malformed, 0u);
}

TEST(SmtpSession, StartTlsSeenFromTheClientOnly) {
  SmtpConversation c;
  c.client("EHLO x.example\r\nSTARTTLS\r\n\x16\x03\x01");
  EXPECT_TRUE(c.session().stopped());
  EXPECT_EQ(c.counters().starttls, 1u);
}

TEST(SmtpSession, StartTlsRefusedKeepsParsing) {
  SmtpConversation c;
  c.server("220 mx ESMTP\r\n");
  c.client("EHLO x.example\r\nSTARTTLS\r\n");
  c.server("250 mx\r\n454 4.7.0 TLS not available\r\n");
  c.client(
      "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n\r\nhttp://clear.example/"
      "\r\n.\r\n");
  EXPECT_FALSE(c.session().stopped());
  EXPECT_EQ(c.counters().starttls_refused, 1u);
  EXPECT_EQ(c.sink().url_texts(), std::vector<std::string>{"http://clear.example/"});
}

TEST(SmtpSession, DataRefusedBeforeAnyContentIsUndone) {
  SmtpConversation c;
  c.server("220 mx ESMTP\r\n");
  c.client("EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<nobody@d.example>\r\nDATA\r\n");
  c.server("250 mx\r\n250 Ok\r\n550 No such user\r\n554 5.5.1 Error: no valid recipients\r\n");
  c.client("RSET\r\nQUIT\r\n");
  c.finish();
  EXPECT_TRUE(c.sink().messages.empty());
  EXPECT_EQ(c.counters().data_rejected, 1u);
  EXPECT_EQ(c.counters().recipients_rejected, 1u);
  EXPECT_EQ(c.counters().commands, 6u);
}

TEST(SmtpSession, GapInDataReportsTheMessageCutAndResyncs) {
  SmtpConversation c;
  c.client(
      "EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@d.example>\r\nDATA\r\n"
      "Message-ID: <cut@x>\r\n\r\nhttp://before.example/\r\n");
  c.gap(true);
  c.client(
      "lost the start of this line\r\n.\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@d.example>"
      "\r\nDATA\r\nMessage-ID: <next@x>\r\n\r\nhttp://after.example/\r\n.\r\n");
  ASSERT_EQ(c.sink().messages.size(), 2u);
  EXPECT_FALSE(c.sink().messages[0].complete);
  EXPECT_EQ(c.sink().messages[0].message_id, "<cut@x>");
  EXPECT_TRUE(c.sink().messages[1].complete);
  EXPECT_EQ(c.sink().url_texts(),
            (std::vector<std::string>{"http://before.example/", "http://after.example/"}));
  EXPECT_EQ(c.counters().gaps, 1u);
  EXPECT_EQ(c.counters().resyncs, 1u);
  EXPECT_EQ(c.counters().messages, 1u);
  EXPECT_EQ(c.counters().messages_incomplete, 1u);
}

TEST(SmtpSession, GapResyncsOnACommand) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b.example>\r\n");
  c.gap(true);
  c.client(
      "ta line\r\nRCPT TO:<not-a-restart@x>\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@x>\r\n"
      "DATA\r\n\r\nhttp://resynced.example/\r\n.\r\n");
  EXPECT_EQ(c.sink().url_texts(), std::vector<std::string>{"http://resynced.example/"});
  EXPECT_EQ(c.sink().messages[0].recipients, std::vector<std::string>{"r@x"});
}

TEST(SmtpSession, ServerGapDropsPairingOnly) {
  SmtpConversation c;
  c.server("220 mx\r\n");
  c.client("EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@x>\r\n");
  c.server("250 mx\r\n2");
  c.gap(false);
  c.server("50 lost\r\n250 Ok\r\n");
  c.client("DATA\r\n\r\nhttp://kept.example/\r\n.\r\n");
  EXPECT_EQ(c.sink().messages.size(), 1u);
  EXPECT_EQ(c.counters().reply_malformed, 1u);
  EXPECT_EQ(c.counters().replies_unexpected, 1u);
}

TEST(SmtpSession, NotSmtpIsGivenUp) {
  SmtpConversation c;
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\nEHLO x\r\n";
  EXPECT_EQ(c.client(request), request.size());
  EXPECT_EQ(c.server("HTTP/1.1 200 OK\r\n220 mx\r\n"), 25u);
  EXPECT_TRUE(c.session().stopped());
  EXPECT_EQ(c.counters().non_smtp_client, 1u);
  EXPECT_EQ(c.counters().non_smtp_server, 1u);
  EXPECT_EQ(c.counters().commands, 0u);
}

TEST(SmtpSession, OverlongCommandLineIsSkipped) {
  SmtpConversation c;
  c.client("EHLO x\r\n");
  const std::string junk(3 * SmtpSession::kMaxLineBytes, 'A');
  for (std::size_t i = 0; i < junk.size(); i += 1000)
    c.client(junk.substr(i, 1000));
  c.client("\r\nNOOP\r\n");
  EXPECT_EQ(c.counters().line_too_long, 1u);
  EXPECT_EQ(c.counters().commands, 2u);
  EXPECT_TRUE(c.client_pending().empty());
}

TEST(SmtpSession, BareLfEndOfDataIsAcceptedAndCounted) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\n\r\nhttp://lf.example/\n.\n");
  ASSERT_EQ(c.sink().messages.size(), 1u);
  EXPECT_EQ(c.counters().data_end_bare_lf, 1u);
  c.client("MAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\n\r\nx\n.\r\n");
  EXPECT_EQ(c.sink().messages.size(), 2u);
  EXPECT_EQ(c.counters().data_end_bare_lf, 2u);
}

TEST(SmtpSession, EndOfDataMarkerHeldBackUntilItCanBeTold) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\n\r\nhttp://hold.example/\r\n.");
  EXPECT_EQ(c.client_pending(), ".");
  c.client("\r");
  EXPECT_EQ(c.client_pending(), ".\r");
  EXPECT_TRUE(c.sink().messages.empty());
  c.client("\n");
  EXPECT_EQ(c.sink().messages.size(), 1u);
  EXPECT_TRUE(c.client_pending().empty());
}

TEST(SmtpSession, RsetAbortsAChunkedMessage) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nBDAT 12\r\nSubject: x\r\nRSET\r\n");
  ASSERT_EQ(c.sink().messages.size(), 1u);
  EXPECT_FALSE(c.sink().messages[0].complete);
  EXPECT_EQ(c.counters().messages_aborted, 1u);
  EXPECT_EQ(c.counters().messages_incomplete, 1u);
}

TEST(SmtpSession, MalformedBdatResyncs) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b>\r\nBDAT lots\r\nchunk bytes\r\nRSET\r\nNOOP\r\n");
  EXPECT_EQ(c.counters().command_malformed, 1u);
  EXPECT_EQ(c.counters().resyncs, 1u);
  EXPECT_EQ(c.counters().commands, 5u);
}

TEST(SmtpSession, EnvelopeRecipientsAreBoundedAndBeatHeaders) {
  SmtpConversation c;
  std::string commands = "EHLO x\r\nMAIL FROM:<a@b>\r\n";
  for (int i = 0; i < 20; ++i)
    commands += "RCPT TO:<u" + std::to_string(i) + "@x>\r\n";
  commands +=
      "RCPT TO:<U0@X>\r\nRCPT TO:<>\r\nDATA\r\nTo: header@x\r\n\r\nhttp://e.example/\r\n.\r\n";
  c.client(commands);
  ASSERT_EQ(c.sink().urls.size(), 1u);
  EXPECT_EQ(c.sink().urls[0].recipients.size(), kMaxRecipients);
  EXPECT_EQ(c.sink().urls[0].recipients[0], "u0@x");
  EXPECT_EQ(c.counters().recipients, 21u);
  EXPECT_EQ(c.counters().recipients_dropped, 4u);
  EXPECT_EQ(c.counters().command_malformed, 1u);  // RCPT TO:<>
}

TEST(SmtpSession, WithoutEnvelopeRecipientsTheHeadersStandIn) {
  SmtpConversation c;
  c.client("DATA\r\nTo: Someone <someone@x.example>\r\n\r\nhttp://h.example/\r\n.\r\n");
  ASSERT_EQ(c.sink().urls.size(), 1u);
  EXPECT_EQ(c.sink().urls[0].recipients, std::vector<std::string>{"someone@x.example"});
}

TEST(SmtpSession, SaslExchangeLinesAreNotUnknownCommands) {
  SmtpConversation c;
  c.server("220 mx\r\n");
  c.client("EHLO x\r\nAUTH LOGIN\r\ndXNlcg==\r\ncGFzcw==\r\nMAIL FROM:<a@b>\r\nFOO\r\n");
  c.server("250 mx\r\n334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n250 ok\r\n500 what\r\n");
  EXPECT_EQ(c.counters().unknown_commands, 1u);  // FOO
  EXPECT_EQ(c.counters().replies_unexpected, 0u);
}

TEST(SmtpSession, PipeliningBeyondTheTrackedDepthIsCounted) {
  SmtpConversation c;
  std::string commands = "EHLO x\r\n";
  for (std::size_t i = 0; i < SmtpSession::kMaxPendingReplies + 5; ++i)
    commands += "NOOP\r\n";
  c.client(commands);
  EXPECT_EQ(c.counters().pending_overflow, 6u);
}

TEST(SmtpSession, FinishReportsAMessageInProgress) {
  SmtpConversation c;
  c.client("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<r@x>\r\nDATA\r\n\r\nhttp://unfinished.example/");
  c.finish();
  ASSERT_EQ(c.sink().messages.size(), 1u);
  EXPECT_FALSE(c.sink().messages[0].complete);
  EXPECT_EQ(c.sink().url_texts(), std::vector<std::string>{"http://unfinished.example/"});
  EXPECT_EQ(c.counters().messages_incomplete, 1u);
}

TEST(SmtpSession, GarbageAfterAValidStartNeverCrashes) {
  SmtpConversation c;
  c.server("220 mx\r\n");
  c.client("EHLO x\r\n");
  std::uint32_t state = 99;
  std::string garbage;
  for (int i = 0; i < 100'000; ++i) {
    state = state * 1103515245u + 12345u;
    const char alphabet[] = "\r\n.DATBMILFROMRCPT:<>@ 0123456789";
    garbage += alphabet[(state >> 16) % (sizeof(alphabet) - 1)];
  }
  for (std::size_t i = 0; i < garbage.size(); i += 1500) {
    c.client(garbage.substr(i, 1500));
    c.server(garbage.substr(i, 700));
  }
  c.finish();
  SUCCEED();
}

}  // namespace
}  // namespace bw::extract::smtp
