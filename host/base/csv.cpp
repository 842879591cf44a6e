#include "csv.hpp"

#include <cstring>

namespace trafficsim::host {

std::string_view csv_error_text(csv_error e) noexcept {
  switch (e) {
    case csv_error::none:
      return "no error";
    case csv_error::unterminated_quote:
      return "an unterminated quote";
    case csv_error::text_after_quote:
      return "text after a closing quote";
    case csv_error::quote_in_unquoted_field:
      return "a quote inside an unquoted field (quote the field, doubling its quotes)";
  }
  return "an unknown CSV error";
}

csv_split split_csv_record(std::string_view record, std::vector<std::string_view>& fields, std::string& unescaped) {
  fields.clear();
  csv_split result;
  // Room for every unescaped byte up front, so that views into it never move.
  unescaped.clear();
  const bool any_quote = std::memchr(record.data(), '"', record.size()) != nullptr;
  if (!any_quote) {  // most records: commas alone
    for (std::size_t at = 0;;) {
      const std::size_t comma = record.find(',', at);
      fields.push_back(record.substr(at, comma == std::string_view::npos ? std::string_view::npos : comma - at));
      if (comma == std::string_view::npos) return result;
      at = comma + 1;
    }
  }
  unescaped.reserve(record.size());
  auto fail = [&](csv_error e) {
    result.error = e;
    result.field = fields.size() + 1;
    return result;
  };
  for (std::size_t at = 0;;) {
    std::size_t end;
    if (at < record.size() && record[at] == '"') {
      result.quoted = true;
      std::size_t q = record.find('"', at + 1);
      if (q == std::string_view::npos) return fail(csv_error::unterminated_quote);
      if (q + 1 < record.size() && record[q + 1] == '"') {  // "" inside: the field unescaped
        const std::size_t first = unescaped.size();
        std::size_t k = at + 1;
        for (;;) {
          unescaped.append(record.substr(k, q - k));
          if (q + 1 < record.size() && record[q + 1] == '"') {
            unescaped += '"';
            k = q + 2;
            q = record.find('"', k);
            if (q == std::string_view::npos) return fail(csv_error::unterminated_quote);
            continue;
          }
          break;
        }
        fields.push_back(std::string_view(unescaped).substr(first));
      } else {
        fields.push_back(record.substr(at + 1, q - at - 1));
      }
      end = q + 1;
      if (end < record.size() && record[end] != ',') {
        fields.pop_back();
        return fail(csv_error::text_after_quote);
      }
    } else {
      end = record.find(',', at);
      const std::string_view field =
          record.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
      if (field.find('"') != std::string_view::npos) return fail(csv_error::quote_in_unquoted_field);
      fields.push_back(field);
    }
    if (end >= record.size()) return result;
    at = end + 1;
  }
}

bool odd_csv_quotes(std::string_view text) noexcept {
  bool odd = false;
  for (const char *q = text.data(), *end = q + text.size();
       (q = static_cast<const char*>(std::memchr(q, '"', static_cast<std::size_t>(end - q)))) != nullptr; ++q)
    odd = !odd;
  return odd;
}

}  // namespace trafficsim::host
