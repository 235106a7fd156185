#include "tools/mail/watchlist_command.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iostream>

#include "sensor/extract/smtp/smtp_counters.h"
#include "tools/mail/watchlist.h"

namespace bw::mail {
namespace {

constexpr std::string_view kProgram = "bw-mail-watchlist: ";

// "--name value" or "--name=value"; advances i past what it used.
std::optional<std::string_view> option_value(std::span<const char* const> arguments, std::size_t& i,
                                             std::string_view name, std::string& error) {
  const std::string_view argument = arguments[i];
  if (argument.size() > name.size() && argument.starts_with(name) && argument[name.size()] == '=') {
    return argument.substr(name.size() + 1);
  }
  if (i + 1 == arguments.size()) {
    error = std::string(name) + " needs a value";
    return std::nullopt;
  }
  return std::string_view(arguments[++i]);
}

bool is_option(std::string_view argument, std::string_view name) {
  return argument == name || (argument.starts_with(name) && argument.size() > name.size() &&
                              argument[name.size()] == '=');
}

// Reads every input into rows on `out`; false with the reason in `messages` on the first failure.
bool write_rows(const WatchlistOptions& options, std::ostream& out, std::ostream& messages) {
  WatchlistWriter writer(out);
  writer.write_header();
  extract::smtp::SmtpCounters counters;
  for (const std::string& input : options.inputs) {
    std::string error;
    if (!read_mail_file(input, options.format, writer, counters, error)) {
      messages << kProgram << error << '\n';
      return false;
    }
  }
  out.flush();
  if (!out) {
    messages << kProgram << "cannot write " << options.output << '\n';
    return false;
  }
  messages << kProgram << "messages: " << writer.messages() << ", rows: " << writer.rows() << "\n";
  return true;
}

}  // namespace

std::optional<WatchlistOptions> parse_watchlist_arguments(std::span<const char* const> arguments,
                                                          std::string& error) {
  WatchlistOptions options;
  bool options_ended = false;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string_view argument = arguments[i];
    if (options_ended || argument == "-" || !argument.starts_with("-")) {
      options.inputs.emplace_back(argument);
    } else if (argument == "--") {
      options_ended = true;
    } else if (argument == "-h" || argument == "--help") {
      options.help = true;
      return options;
    } else if (is_option(argument, "--format")) {
      const std::optional<std::string_view> value = option_value(arguments, i, "--format", error);
      if (!value) return std::nullopt;
      options.format = parse_mail_format(*value);
      if (options.format == MailFormat::kAuto) {
        error = "unknown format '" + std::string(*value) + "' (eml or mbox)";
        return std::nullopt;
      }
    } else if (is_option(argument, "--out")) {
      const std::optional<std::string_view> value = option_value(arguments, i, "--out", error);
      if (!value) return std::nullopt;
      options.output = *value;
    } else {
      error = "unknown option '" + std::string(argument) + "'";
      return std::nullopt;
    }
  }
  if (options.inputs.empty()) error = "no input file";
  if (options.output.empty()) error = "--out is required";
  if (!error.empty()) return std::nullopt;
  return options;
}

// The watchlist is written beside its destination and renamed into place once complete, so a
// sensor reloading it never reads half a file.
int run_watchlist(const WatchlistOptions& options, std::ostream& messages) {
  if (options.output == "-") return write_rows(options, std::cout, messages) ? 0 : 1;
  const std::string temporary = options.output + ".tmp." + std::to_string(::getpid());
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  if (!out) {
    messages << kProgram << "cannot write " << temporary << '\n';
    return 1;
  }
  const bool ok = write_rows(options, out, messages);
  out.close();
  if (ok && out && std::rename(temporary.c_str(), options.output.c_str()) == 0) return 0;
  if (ok) messages << kProgram << "cannot write " << options.output << '\n';
  std::remove(temporary.c_str());
  return 1;
}

}  // namespace bw::mail
