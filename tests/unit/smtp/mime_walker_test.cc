#include "sensor/extract/smtp/mime_walker.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/unit/smtp/mail_test_support.h"

namespace bw::extract::smtp {
namespace {

using testing::EndedMessage;
using testing::FoundUrl;
using testing::RecordingSink;
using testing::span_of;

// A mail-merge newsletter as a bulk sender emits it: multipart/alternative, both parts
// quoted-printable, the per-recipient tracking pixel URL cut by a soft line break.
constexpr std::string_view kNewsletter =
    "Return-Path: <bounce-3f2a@news-example.com>\r\n"
    "Delivered-To: alice@example.org\r\n"
    "From: \"Example News\" <news@news-example.com>\r\n"
    "To: Alice Example <alice@example.org>\r\n"
    "Subject: =?UTF-8?Q?Your_weekly_digest_=E2=80=93_caf=C3=A9?=\r\n"
    "Date: Tue, 02 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <20240102100000.3f2a@news-example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative;\r\n"
    "\tboundary=\"----=_Part_3f2a\"\r\n"
    "\r\n"
    "This is a multi-part message in MIME format.\r\n"
    "------=_Part_3f2a\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Read online: https://news-example.com/web/3f2a?u=3D77\r\n"
    "Unsubscribe: https://news-example.com/unsub?u=3D77&t=3Dab=\r\n"
    "cd\r\n"
    "------=_Part_3f2a\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<html><body style=3D\"margin:0\">\r\n"
    "<a href=3D\"https://news-example.com/c/3f2a?u=3D77&amp;l=3D1\">Story</a>\r\n"
    "<a href=3D\"https://news-example.com/web/3f2a?u=3D77\">View online</a>\r\n"
    "<img src=3D\"http://news-example.com/o/3f2a9c41d7e8b6a5f0e1d2c3b4a59687=\r\n"
    ".gif\" width=3D1 height=3D1>\r\n"
    "</body></html>\r\n"
    "------=_Part_3f2a--\r\n";

constexpr std::string_view kNewsletterId = "<20240102100000.3f2a@news-example.com>";

const std::vector<FoundUrl> kNewsletterUrls = {
    {"https://news-example.com/web/3f2a?u=77",
     "news-example.com",
     UrlKind::kLink,
     std::string(kNewsletterId),
     {"alice@example.org"}},
    {"https://news-example.com/unsub?u=77&t=abcd",
     "news-example.com",
     UrlKind::kLink,
     std::string(kNewsletterId),
     {"alice@example.org"}},
    {"https://news-example.com/c/3f2a?u=77&l=1",
     "news-example.com",
     UrlKind::kLink,
     std::string(kNewsletterId),
     {"alice@example.org"}},
    {"http://news-example.com/o/3f2a9c41d7e8b6a5f0e1d2c3b4a59687.gif",
     "news-example.com",
     UrlKind::kImage,
     std::string(kNewsletterId),
     {"alice@example.org"}},
};

struct Walk {
  RecordingSink sink;
  SmtpCounters counters;
};

// Feeds the message in pieces of at most `chunk` bytes, or cut once at `split`.
Walk walk(std::string_view message, std::size_t split = std::string::npos,
          std::size_t chunk = std::string::npos) {
  Walk w;
  const auto walker = std::make_unique<MimeWalker>();
  walker->begin(42);
  const std::size_t cut = std::min(split, message.size());
  for (const std::string_view half : {message.substr(0, cut), message.substr(cut)}) {
    for (std::size_t at = 0; at < half.size(); at += std::min(chunk, half.size() - at)) {
      walker->feed(span_of(half.substr(at, chunk)), w.sink, w.counters);
    }
  }
  walker->end(/*complete=*/true, w.sink, w.counters);
  return w;
}

TEST(MimeWalker, NewsletterUrlsHeadersAndRecipients) {
  const Walk w = walk(kNewsletter);
  EXPECT_EQ(w.sink.urls, kNewsletterUrls);
  ASSERT_EQ(w.sink.messages.size(), 1u);
  const EndedMessage& m = w.sink.messages[0];
  EXPECT_EQ(m.message_id, kNewsletterId);
  EXPECT_EQ(m.from, "\"Example News\" <news@news-example.com>");
  EXPECT_EQ(m.to, "Alice Example <alice@example.org>");
  EXPECT_EQ(m.subject, "Your weekly digest \xe2\x80\x93 caf\xc3\xa9");
  EXPECT_EQ(m.date, "Tue, 02 Jan 2024 10:00:00 +0000");
  EXPECT_EQ(m.recipients, std::vector<std::string>{"alice@example.org"});
  EXPECT_TRUE(m.complete);
  EXPECT_EQ(m.size, kNewsletter.size());
  EXPECT_EQ(m.url_count, 4u);
  EXPECT_EQ(m.ts, 42);
  EXPECT_EQ(w.counters.messages, 1u);
  EXPECT_EQ(w.counters.parts, 3u);
  EXPECT_EQ(w.counters.parts_scanned, 2u);
  EXPECT_EQ(w.counters.urls, 4u);
  EXPECT_EQ(w.counters.urls_duplicate, 1u);  // "View online" repeats the plain-text link
  EXPECT_EQ(w.counters.qp_malformed, 0u);
  EXPECT_EQ(w.counters.header_malformed, 0u);
}

TEST(MimeWalker, SameResultWhateverTheCut) {
  const Walk whole = walk(kNewsletter);
  for (std::size_t split = 0; split <= kNewsletter.size(); ++split) {
    const Walk w = walk(kNewsletter, split);
    ASSERT_EQ(w.sink.urls, whole.sink.urls) << "split at " << split;
    ASSERT_EQ(w.sink.messages, whole.sink.messages) << "split at " << split;
  }
  for (const std::size_t chunk : {1u, 2u, 7u, 64u}) {
    const Walk w = walk(kNewsletter, std::string::npos, chunk);
    EXPECT_EQ(w.sink.urls, whole.sink.urls) << "chunk " << chunk;
  }
}

TEST(MimeWalker, LfOnlyLineEndsAsInFilesOnDisk) {
  std::string lf_only;
  for (const char c : kNewsletter) {
    if (c != '\r') lf_only += c;
  }
  EXPECT_EQ(walk(lf_only).sink.urls, kNewsletterUrls);
}

// The HTML part is base64; its text, CRLF line ends included, is
//   <p>Hello</p>
//   <img src="https://px.example/open?id=77&amp;m=5" width="1" height="1">
//   <a href="https://shop.example/sale">Sale</a>
constexpr std::string_view kBase64Html =
    "From: Shop <shop@shop.example>\r\n"
    "To: bob@example.net, \"Carol\" <carol@example.net>\r\n"
    "Cc: dave@example.net\r\n"
    "Subject: =?ISO-8859-1?B?U29sZGVz?= d'hiver\r\n"
    "Message-ID: <b64@shop.example>\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PHA+SGVsbG88L3A+DQo8aW1nIHNyYz0iaHR0cHM6Ly9weC5leGFtcGxlL29w\r\n"
    "ZW4/aWQ9NzcmYW1wO209NSIgd2lkdGg9IjEiIGhlaWdodD0iMSI+DQo8YSBo\r\n"
    "cmVmPSJodHRwczovL3Nob3AuZXhhbXBsZS9zYWxlIj5TYWxlPC9hPg0K\r\n";

TEST(MimeWalker, Base64HtmlPartAndToCcRecipients) {
  const std::vector<std::string> recipients = {"bob@example.net", "carol@example.net",
                                               "dave@example.net"};
  const std::vector<FoundUrl> expected = {
      {"https://px.example/open?id=77&m=5", "px.example", UrlKind::kImage, "<b64@shop.example>",
       recipients},
      {"https://shop.example/sale", "shop.example", UrlKind::kLink, "<b64@shop.example>",
       recipients},
  };
  for (std::size_t split = 0; split <= kBase64Html.size(); ++split) {
    const Walk w = walk(kBase64Html, split);
    ASSERT_EQ(w.sink.urls, expected) << "split at " << split;
    ASSERT_EQ(w.sink.messages[0].subject, "Soldes d'hiver");
    ASSERT_EQ(w.counters.base64_malformed, 0u);
  }
}

constexpr std::string_view kNested =
    "From: a@sender.example\r\n"
    "Subject: outer\r\n"
    "Message-ID: <outer@sender.example>\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "--outer\r\n"
    "Content-Type: multipart/related; boundary=\"inner\"\r\n"
    "\r\n"
    "--inner\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<img src=\"cid:logo@x\"><img src=\"https://cdn.example/banner.png\">\r\n"
    "--inner\r\n"
    "Content-Type: image/png\r\n"
    "Content-ID: <logo@x>\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "iVBORw0KGgo=\r\n"
    "--inner--\r\n"
    "--outer\r\n"
    "Content-Type: application/octet-stream; name=\"notes.txt\"\r\n"
    "Content-Disposition: attachment\r\n"
    "\r\n"
    "http://attachment.example/not-scanned\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "\r\n"
    "From: fwd@example.net\r\n"
    "Subject: inner subject\r\n"
    "Message-ID: <inner@example.net>\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Forwarded: http://forwarded.example/p\r\n"
    "--outer--\r\n"
    "epilogue http://epilogue.example/no\r\n";

TEST(MimeWalker, NestedMultipartAttachmentsAndAttachedMessage) {
  const Walk w = walk(kNested);
  EXPECT_EQ(w.sink.url_texts(), (std::vector<std::string>{"https://cdn.example/banner.png",
                                                          "http://forwarded.example/p"}));
  ASSERT_EQ(w.sink.messages.size(), 1u);
  EXPECT_EQ(w.sink.messages[0].message_id, "<outer@sender.example>");
  EXPECT_EQ(w.sink.messages[0].subject, "outer");
  EXPECT_EQ(w.counters.parts, 7u);
  EXPECT_EQ(w.counters.parts_scanned, 2u);
  EXPECT_EQ(w.counters.urls_not_http, 1u);  // cid:
  for (std::size_t split = 0; split <= kNested.size(); ++split) {
    ASSERT_EQ(walk(kNested, split).sink.urls, w.sink.urls) << "split at " << split;
  }
}

TEST(MimeWalker, OuterBoundaryEndsAnInnerPartLeftOpen) {
  const Walk w = walk(
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
      "--i\r\nContent-Type: image/gif\r\n\r\nhttp://skipped.example/\r\n"
      "--o\r\nContent-Type: text/plain\r\n\r\nhttp://after.example/\r\n"
      "--i\r\nhttp://stale-boundary.example/ is text here\r\n"
      "--o--\r\n");
  EXPECT_EQ(w.sink.url_texts(),
            (std::vector<std::string>{"http://after.example/", "http://stale-boundary.example/"}));
}

TEST(MimeWalker, NestingDeeperThanTheBoundIsSkipped) {
  std::string message;
  for (std::size_t depth = 0; depth <= MimeWalker::kMaxDepth; ++depth) {
    message += "Content-Type: multipart/mixed; boundary=b" + std::to_string(depth) + "\r\n\r\n";
    message += "--b" + std::to_string(depth) + "\r\n";
  }
  message += "Content-Type: text/plain\r\n\r\nhttp://too-deep.example/\r\n";
  // The next part of the outermost multipart is in bounds again.
  message += "--b0\r\nContent-Type: text/plain\r\n\r\nhttp://shallow.example/\r\n--b0--\r\n";
  const Walk w = walk(message);
  EXPECT_EQ(w.counters.boundary_depth_exceeded, 1u);
  EXPECT_EQ(w.sink.url_texts(), std::vector<std::string>{"http://shallow.example/"});
}

TEST(MimeWalker, MultipartWithoutBoundaryIsSkippedAndCounted) {
  const Walk w = walk("Content-Type: multipart/mixed\r\n\r\nhttp://x.example/\r\n");
  EXPECT_EQ(w.counters.boundary_invalid, 1u);
  EXPECT_TRUE(w.sink.urls.empty());
  ASSERT_EQ(w.sink.messages.size(), 1u);
}

TEST(MimeWalker, HeaderAnomaliesAreCounted) {
  const std::string long_subject(MimeWalker::kMaxFieldBytes + 100, 's');
  const Walk w = walk(
      "no colon on this line\r\n"
      ": empty name\r\n"
      "Subject: " +
      long_subject +
      "\r\n"
      "X-Long-Unused: " +
      long_subject +
      "\r\n"
      "Content-Transfer-Encoding: x-uuencode\r\n"
      "\r\n"
      "body http://body.example/\r\n");
  EXPECT_EQ(w.counters.header_malformed, 2u);
  EXPECT_EQ(w.counters.header_too_long, 1u);  // X-Long-Unused is not used, so not counted
  EXPECT_EQ(w.counters.transfer_encoding_unknown, 1u);
  EXPECT_EQ(w.sink.url_texts(), std::vector<std::string>{"http://body.example/"});
  EXPECT_EQ(w.sink.messages[0].subject.size(), 512u);
}

TEST(MimeWalker, MalformedQuotedPrintableIsCountedOncePerPart) {
  const Walk w = walk(
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
      "http://q.example/a=ZZ=4 and =XY\r\n");
  EXPECT_EQ(w.counters.qp_malformed, 1u);
  EXPECT_EQ(w.sink.url_texts(), std::vector<std::string>{"http://q.example/a=ZZ=4"});
}

TEST(MimeWalker, MessageWithoutBodyOrCutInItsHeaders) {
  const Walk w = walk("Message-ID: <only-headers@x>\r\nSubject: cut");
  ASSERT_EQ(w.sink.messages.size(), 1u);
  EXPECT_EQ(w.sink.messages[0].message_id, "<only-headers@x>");
  EXPECT_EQ(w.sink.messages[0].subject, "cut");
}

TEST(MimeWalker, UrlsPerMessageAreBounded) {
  std::string message = "Content-Type: text/plain\r\n\r\n";
  for (std::size_t i = 0; i < MimeWalker::kMaxUrlsPerMessage + 10; ++i) {
    message += "http://n.example/" + std::to_string(i) + "\r\n";
  }
  const Walk w = walk(message);
  EXPECT_EQ(w.sink.urls.size(), MimeWalker::kMaxUrlsPerMessage);
  EXPECT_EQ(w.counters.urls_dropped, 10u);
}

TEST(MimeWalker, WalkerIsReusableAndInactiveOutsideMessages) {
  const auto walker = std::make_unique<MimeWalker>();
  RecordingSink sink;
  SmtpCounters counters;
  walker->feed(span_of("Message-ID: <ignored@x>\r\n"), sink, counters);
  walker->end(true, sink, counters);
  EXPECT_TRUE(sink.messages.empty());
  for (const std::string_view id : {"<one@x>", "<two@x>"}) {
    walker->begin(1);
    walker->feed(span_of("Message-ID: " + std::string(id) + "\r\n\r\nhttp://same.example/\r\n"),
                 sink, counters);
    walker->end(true, sink, counters);
  }
  ASSERT_EQ(sink.urls.size(), 2u);  // once per message, not once per walker
  EXPECT_EQ(sink.urls[1].message_id, "<two@x>");
}

// A 12 MB attachment streams through in fixed memory; the text part after it is still found.
TEST(MimeWalker, LargeAttachmentIsSkippedWithoutBuffering) {
  std::string message =
      "Message-ID: <big@x>\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n"
      "--big\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  const std::string line = std::string(76, 'Q') + "\r\n";
  while (message.size() < 12'000'000)
    message += line;
  message +=
      "--big\r\nContent-Type: text/plain\r\n\r\nsee http://after-attachment.example/x\r\n"
      "--big--\r\n";
  const auto started = std::chrono::steady_clock::now();
  const Walk w = walk(message, std::string::npos, 65536);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(w.sink.url_texts(), std::vector<std::string>{"http://after-attachment.example/x"});
  EXPECT_EQ(w.sink.messages[0].size, message.size());
  EXPECT_LT(elapsed, std::chrono::seconds(20));  // generous: sanitizer builds on a busy machine
}

// A single 3 MB line (HTML without line breaks) still yields the URL its piece boundary cuts.
TEST(MimeWalker, UrlAcrossPiecesOfAnEndlessLine) {
  std::string body(LineAssembler::kCapacity * 3 - 10, ' ');
  body += "<img src=\"http://pieces.example/p.gif\">";
  body += std::string(3'000'000, ' ');
  const Walk w = walk("Content-Type: text/html\r\n\r\n" + body + "\r\n");
  EXPECT_EQ(w.sink.url_texts(), std::vector<std::string>{"http://pieces.example/p.gif"});
}

TEST(MimeWalker, GarbageNeverCrashesAndEndsTheMessage) {
  std::string garbage;
  std::uint32_t state = 12345;
  for (std::size_t i = 0; i < 200'000; ++i) {
    state = state * 1103515245u + 12345u;
    const char alphabet[] = "-\r\n=?:;<>\"'&#ahtp/.Bb Q";
    garbage += alphabet[(state >> 16) % (sizeof(alphabet) - 1)];
  }
  for (const std::string& prefix :
       {std::string(), std::string("Content-Type: multipart/mixed; boundary=-\r\n\r\n"),
        std::string(
            "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")}) {
    const Walk w = walk(prefix + garbage, std::string::npos, 4096);
    ASSERT_EQ(w.sink.messages.size(), 1u);
  }
}

}  // namespace
}  // namespace bw::extract::smtp
