// StartTlsWatcher on IMAP and POP3 sessions written from the RFCs' examples (RFC 3501 6.2.1,
// RFC 2595 4): where TLS begins, refusals, and hostile input.
#include "sensor/extract/starttls/starttls_watcher.h"

#include <gtest/gtest.h>

#include <string>

namespace bw::extract::starttls {
namespace {

ByteSpan bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class Watcher : public testing::Test {
 protected:
  void start(MailProtocol protocol) { watcher_.reset(protocol, counters_); }
  std::size_t client(const std::string& s) { return watcher_.on_client_bytes(bytes(s), counters_); }
  std::size_t server(const std::string& s) { return watcher_.on_server_bytes(bytes(s), counters_); }
  StartTlsWatcher watcher_;
  StartTlsCounters counters_;
};

const std::string kClientHelloStart("\x16\x03\x01\x02\x00\x01", 6);

TEST_F(Watcher, ImapTaggedOkStartsTlsRightAfterItsLine) {
  start(MailProtocol::kImap);
  EXPECT_EQ(server("* OK IMAP4rev1 Service Ready\r\n"), 30u);
  EXPECT_EQ(client("a001 CAPABILITY\r\n"), 17u);
  const std::string capabilities =
      "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na001 OK CAPABILITY completed\r\n";
  EXPECT_EQ(server(capabilities), capabilities.size());
  EXPECT_EQ(client("a002 STARTTLS\r\n"), 15u);
  EXPECT_FALSE(watcher_.tls_started());
  // The tagged OK ends the plaintext; anything after it in the same segment is TLS.
  const std::string answer = "a002 OK Begin TLS negotiation now\r\n";
  EXPECT_EQ(server(answer + "\x16\x03\x03"), answer.size());
  EXPECT_TRUE(watcher_.tls_started());
  EXPECT_EQ(client(kClientHelloStart), 0u);
  EXPECT_EQ(counters_.commands, 1u);
  EXPECT_EQ(counters_.upgrades, 1u);
}

TEST_F(Watcher, ImapUntaggedLinesAndOtherTagsDoNotAnswerTheCommand) {
  start(MailProtocol::kImap);
  client("x9 STARTTLS\r\n");
  server("* BYE not yet\r\nx90 OK other\r\nx OK other\r\n");
  EXPECT_FALSE(watcher_.tls_started());
  server("X9 ok sure\r\n");  // tags are case-sensitive; the status is not
  EXPECT_FALSE(watcher_.tls_started());
  server("x9 ok sure\r\n");
  EXPECT_TRUE(watcher_.tls_started());
}

TEST_F(Watcher, RefusalKeepsThePlaintextSession) {
  start(MailProtocol::kImap);
  client("a1 STARTTLS\r\n");
  server("a1 BAD not now\r\n");
  EXPECT_FALSE(watcher_.tls_started());
  EXPECT_EQ(counters_.refused, 1u);
  // A TLS record without a command in force is not an upgrade.
  EXPECT_GT(client(kClientHelloStart + "\r\n"), 0u);
  EXPECT_FALSE(watcher_.tls_started());
}

TEST_F(Watcher, ClientHandshakeAfterTheCommandProvesTheUpgrade) {
  start(MailProtocol::kPop3);
  client("CAPA\r\n");
  client("STLS\r\n");
  // The server's +OK was not captured; the client's ClientHello says it came.
  EXPECT_EQ(client(kClientHelloStart), 0u);
  EXPECT_TRUE(watcher_.tls_started());
}

TEST_F(Watcher, Pop3OkAndErr) {
  start(MailProtocol::kPop3);
  server("+OK POP3 server ready\r\n");
  client("stls\r\n");
  server("-ERR TLS unavailable\r\n");
  EXPECT_EQ(counters_.refused, 1u);
  client("STLS\r\n");
  const std::string ok = "+OK Begin TLS negotiation\r\n";
  EXPECT_EQ(server(ok), ok.size());
  EXPECT_TRUE(watcher_.tls_started());
}

TEST_F(Watcher, PartialLineWaitsForItsEnd) {
  start(MailProtocol::kImap);
  EXPECT_EQ(client("a1 START"), 0u);
  EXPECT_EQ(client("a1 STARTTLS\r\n"), 13u);
  EXPECT_EQ(counters_.commands, 1u);
}

TEST_F(Watcher, OverLongLineIsSkippedAndCounted) {
  start(MailProtocol::kImap);
  const std::string junk(StartTlsWatcher::kMaxLineBytes + 10, 'A');
  EXPECT_EQ(client(junk), junk.size());
  EXPECT_EQ(client("BBB\r\na1 STARTTLS\r\n"), 18u);  // the end of the long line, then a command
  EXPECT_EQ(counters_.lines_too_long, 1u);
  EXPECT_EQ(counters_.commands, 1u);
}

TEST_F(Watcher, BinaryClientIsNotWatched) {
  start(MailProtocol::kImap);
  EXPECT_EQ(client(std::string("\x00\x01\x02", 3)), 3u);
  EXPECT_TRUE(watcher_.done());
  EXPECT_EQ(counters_.not_text, 1u);
}

TEST_F(Watcher, NoUpgradeWithinTheFirstCommandsGivesUp) {
  start(MailProtocol::kImap);
  for (std::uint32_t i = 0; i <= StartTlsWatcher::kMaxClientLines; ++i)
    client("a NOOP\r\n");
  EXPECT_TRUE(watcher_.done());
  EXPECT_EQ(counters_.given_up, 1u);
  client("a2 STARTTLS\r\n");
  EXPECT_FALSE(watcher_.tls_started());
}

}  // namespace
}  // namespace bw::extract::starttls
