// Calendar dates as days since 1970-01-01 (proleptic Gregorian, UTC), as used by the language's
// `date` type, tests and requests. Valid years are 0001–9999 (LANGUAGE.md §1).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace edict {

struct Date {
  int32_t days = 0;  // days since 1970-01-01

  friend bool operator==(Date a, Date b) { return a.days == b.days; }
  friend auto operator<=>(Date a, Date b) { return a.days <=> b.days; }
};

struct CivilDate {
  int year;
  int month;  // 1..12
  int day;    // 1..31
};

// Returns the date for a valid civil date, or nullopt when the day does not exist or the year is
// outside 1..9999.
auto MakeDate(int year, int month, int day) -> std::optional<Date>;
auto ToCivil(Date d) -> CivilDate;
// Parses exactly `YYYY-MM-DD`; nullopt otherwise.
auto ParseDate(std::string_view text) -> std::optional<Date>;
auto FormatDate(Date d) -> std::string;
inline constexpr Date kMinDate{-719162};   // 0001-01-01
inline constexpr Date kMaxDate{2932896};   // 9999-12-31

}  // namespace edict
