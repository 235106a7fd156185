// The SMTP session runs per packet, so it must not touch the heap: a whole conversation with
// pipelining, quoted-printable and base64 parts, encoded-word headers and BDAT chunks is checked
// to make zero calls to operator new.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "sensor/extract/smtp/smtp_session.h"
#include "tests/support/allocation_counter.h"

namespace bw::extract::smtp {
namespace {

class CountingSink final : public MailSink {
 public:
  void on_mail_url(const MailMessage&, const MailUrl& url) override {
    ++urls;
    bytes += url.url.size();
  }
  void on_mail_message_end(const MailMessage&) override { ++messages; }
  std::uint64_t urls = 0;
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
};

TEST(NoAllocation, SmtpSessionDoesNotAllocatePerPacket) {
  const std::string chunk = "Message-ID: <c@x>\r\n\r\nhttp://bdat.example/x\r\n";
  const std::vector<std::pair<bool, std::string>> segments = {
      {false, "220 mx ESMTP\r\n"},
      {true, "EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<r@x>\r\nRCPT TO:<s@x>\r\nDATA\r\n"},
      {false, "250-mx\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n550 no\r\n354 go\r\n"},
      {true,
       "Subject: =?UTF-8?Q?caf=C3=A9?= =?ISO-8859-1?B?4A==?=\r\nFrom: =?UTF-8?B?w6k=?= <a@b>\r\n"
       "Message-ID: <n@x>\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n"
       "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
       "see https://t.example/a?u=3D1&v=3D=\r\n2 now\r\n--b\r\nContent-Type: text/html\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\n"
       "PGltZyBzcmM9Imh0dHA6Ly9weC5leGFtcGxlL28uZ2lmIj4=\r\n--b\r\nContent-Type: text/html\r\n\r\n"
       "<style>a{b:url(http://css.example/c)}</style><a href='http://l.example/?a&amp;b'>x</a>\r\n"
       "..\r\n--b--\r\n.\r\n"},
      {false, "250 queued\r\n"},
      {true, "MAIL FROM:<>\r\nRCPT TO:<t@x>\r\nBDAT " + std::to_string(chunk.size()) + " LAST\r\n" +
                 chunk + "STARTTLS\r\n"},
      {false, "250 ok\r\n250 ok\r\n250 ok\r\n220 go\r\n"},
  };
  const auto session = std::make_unique<SmtpSession>();
  CountingSink sink;
  SmtpCounters counters;
  std::string pending[2];
  for (const auto& [client, bytes] : segments) {
    std::string& p = pending[client ? 0 : 1];
    p += bytes;
    const ByteSpan data(reinterpret_cast<const std::uint8_t*>(p.data()), p.size());
    bw::testing::set_allocation_counting(true);
    const std::size_t consumed = client ? session->on_client_bytes(data, 1, sink, counters)
                                        : session->on_server_bytes(data, 2, sink, counters);
    bw::testing::set_allocation_counting(false);
    p.erase(0, consumed);
  }
  bw::testing::set_allocation_counting(true);
  session->finish(sink, counters);
  bw::testing::set_allocation_counting(false);
  EXPECT_EQ(bw::testing::allocation_count(), 0u);
  EXPECT_EQ(sink.messages, 2u);
  EXPECT_EQ(sink.urls, 5u);
  EXPECT_EQ(counters.starttls, 1u);
}

}  // namespace
}  // namespace bw::extract::smtp
