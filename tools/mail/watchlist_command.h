// The bw-mail-watchlist command, minus main: argument parsing and the run over the input files.
#pragma once

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tools/mail/mail_files.h"

namespace bw::mail {

inline constexpr std::string_view kWatchlistUsage =
    "usage: bw-mail-watchlist [--format eml|mbox] FILE... --out WATCHLIST.tsv\n"
    "\n"
    "Extracts the http and https URLs of mail messages (.eml files, or mbox files of many\n"
    "messages) into a watchlist the sensor matches HTTP fetches against. Without --format, a file\n"
    "starting with a \"From \" line is read as mbox, anything else as one message.\n"
    "--out - writes to standard output.\n"
    "\n"
    "Output: UTF-8, LF line ends; lines starting with # are comments. One row per distinct URL of\n"
    "each message, seven TAB-separated fields:\n"
    "  url         as written in the message (HTML entities, quoted-printable/base64 undone)\n"
    "  host        lower case, without user info or port\n"
    "  kind        img (loaded on display: <img src>, background=), link (<a href>, URLs in\n"
    "              plain text) or css (url(...) in style sheets and style attributes)\n"
    "  message_id  Message-ID header, angle brackets included\n"
    "  recipients  Delivered-To/X-Original-To addresses, else To and Cc, joined with \",\"\n"
    "  subject     Subject header, RFC 2047 encoded words decoded\n"
    "  date        Date header as written\n"
    "Control characters inside fields (TAB, CR, LF) are written as spaces.\n"
    "\n"
    "Exit status: 0 on success, 1 when an input cannot be read or the output cannot be written\n"
    "(no output file is left behind then), 2 on a usage error.\n";

struct WatchlistOptions {
  MailFormat format = MailFormat::kAuto;
  std::vector<std::string> inputs;
  std::string output;
  bool help = false;
};

// Parses the arguments after the program name. nullopt with a one-line `error` on misuse.
std::optional<WatchlistOptions> parse_watchlist_arguments(std::span<const char* const> arguments,
                                                          std::string& error);

// Runs the command; messages for the user go to `messages`. Returns the exit status.
int run_watchlist(const WatchlistOptions& options, std::ostream& messages);

}  // namespace bw::mail
