// bw-collector: receives sensor streams over mutual TLS into a SQLite store (`serve`) and
// answers the SOC's questions from that store (`query`). See docs/COLLECTOR.md.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include "collector/query.h"
#include "collector/server.h"

namespace {

constexpr std::string_view kUsage =
    "usage: bw-collector serve --listen ADDR:PORT --cert FILE --key FILE --client-ca FILE\n"
    "                          --db FILE [--json-out FILE|-] [--max-message-kib N]\n"
    "       bw-collector query --db FILE [alerts|campaigns|sensors|events] [--since T]\n"
    "                          [--until T] [--host IP] [--domain D] [--template T]\n"
    "                          [--sensor ID] [--limit N] [--json]\n"
    "       bw-collector --help | --version\n";

int run_serve(int argc, const char* const* argv) {
  bw::collector::ServeOptions options;
  std::string error;
  if (!bw::collector::parse_serve_args(argc, argv, options, error)) {
    std::cerr << "bw-collector: serve: " << error << "\n" << bw::collector::kServeUsage;
    return 2;
  }
  if (options.help) {
    std::cout << bw::collector::kServeUsage;
    return 0;
  }
  return bw::collector::serve(options);
}

int run_query(int argc, const char* const* argv) {
  bw::collector::QueryOptions options;
  std::string error;
  if (!bw::collector::parse_query_args(argc, argv, options, error)) {
    std::cerr << "bw-collector: query: " << error << "\n" << kUsage;
    return 2;
  }
  if (!bw::collector::run_query(options, stdout, error)) {
    std::cerr << "bw-collector: query: " << error << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string_view command = argc > 1 ? argv[1] : "";
  if (command == "serve") return run_serve(argc - 2, argv + 2);
  if (command == "query") return run_query(argc - 2, argv + 2);
  if (command == "--version") {
    std::cout << "bw-collector " << BW_VERSION << "\n";
    return 0;
  }
  if (command == "--help" || command == "-h") {
    std::cout << kUsage;
    return 0;
  }
  std::cerr << (command.empty() ? "bw-collector: missing command\n"
                                : "bw-collector: unknown command " + std::string(command) + "\n")
            << kUsage;
  return 2;
}
