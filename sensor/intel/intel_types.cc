#include "sensor/intel/intel_types.h"

namespace bw::intel {
namespace {

template <typename Values, typename NameOf>
std::string join_names(const Values& values, NameOf name_of) {
  std::string joined;
  for (const auto& value : values) {
    if (!joined.empty()) joined += ", ";
    joined += name_of(value);
  }
  return joined;
}

}  // namespace

std::string_view category_name(Category category) {
  switch (category) {
    case Category::kEmailTracker:
      return "email-tracker";
    case Category::kMailPrivacyProxy:
      return "mail-privacy-proxy";
    case Category::kIoc:
      return "ioc";
    case Category::kAdTracker:
      return "ad-tracker";
  }
  return "unknown";
}

bool parse_category(std::string_view name, Category& out) {
  for (const Category category : kAllCategories) {
    if (category_name(category) == name) {
      out = category;
      return true;
    }
  }
  return false;
}

std::string_view kind_name(IndicatorKind kind) {
  switch (kind) {
    case IndicatorKind::kDomain:
      return "domain";
    case IndicatorKind::kDomainSuffix:
      return "domain-suffix";
    case IndicatorKind::kUrlRegex:
      return "url-regex";
    case IndicatorKind::kIp:
      return "ip";
    case IndicatorKind::kJa3:
      return "ja3";
    case IndicatorKind::kJa4:
      return "ja4";
  }
  return "unknown";
}

bool parse_kind(std::string_view name, IndicatorKind& out) {
  for (const IndicatorKind kind : kAllKinds) {
    if (kind_name(kind) == name) {
      out = kind;
      return true;
    }
  }
  return false;
}

std::string_view host_scope_name(HostScope scope) {
  switch (scope) {
    case HostScope::kWholeHost:
      return "host";
    case HostScope::kPathRuleHost:
      return "path-rule-host";
  }
  return "unknown";
}

bool parse_host_scope(std::string_view name, HostScope& out) {
  for (const HostScope scope : {HostScope::kWholeHost, HostScope::kPathRuleHost}) {
    if (host_scope_name(scope) == name) {
      out = scope;
      return true;
    }
  }
  return false;
}

std::string all_category_names() {
  return join_names(kAllCategories, category_name);
}

std::string all_kind_names() {
  return join_names(kAllKinds, kind_name);
}

}  // namespace bw::intel
