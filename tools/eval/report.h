// bw-eval's output: a table for people, or one JSON object for scripts.
#pragma once

#include <ostream>

#include "tools/eval/evaluation.h"

namespace bw::eval {

struct ReportOptions {
  bool by_signal = false;
};

void write_table(const Evaluation& evaluation, const EventLog& log, const ReportOptions& options,
                 std::ostream& out);
void write_json(const Evaluation& evaluation, const EventLog& log, std::ostream& out);

}  // namespace bw::eval
