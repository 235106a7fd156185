// bw-mail-watchlist: see kWatchlistUsage in watchlist_command.h.
#include <iostream>
#include <span>
#include <string>

#include "tools/mail/watchlist_command.h"

int main(int argc, char** argv) {
  std::string error;
  const auto options = bw::mail::parse_watchlist_arguments(
      std::span<const char* const>(argv + 1, static_cast<std::size_t>(argc - 1)), error);
  if (!options) {
    std::cerr << "bw-mail-watchlist: " << error << " (see --help)\n";
    return 2;
  }
  if (options->help) {
    std::cout << bw::mail::kWatchlistUsage;
    return 0;
  }
  return bw::mail::run_watchlist(*options, std::cerr);
}
