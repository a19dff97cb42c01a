// The generated C header `<policy>.h` of a built policy (`edict build --emit h`): the typed input
// and result structs, the enums, the rule/exemption/cap/output indexes and typed entry points,
// so that C and C++ callers evaluate with no JSON. The layouts come from abi_layout.h (the one
// source the IR and the descriptor use too) and the header checks them with static assertions.
//
// Naming scheme, for a policy `p` (P = the name in upper case; names in snake_case, so an enum
// `EndUser` is `end_user` / `END_USER`):
//
//   p_input, p_result              the input and result structs (typedefs)
//   p_E, P_E_MEMBER                enum E (declared enums, tiers types, the decision) and members
//   P_RULE_R, P_EXEMPTION_X,       indexes into the descriptor's tables and the result bitsets;
//   P_CAP_C, P_OUTPUT_O            with P_RULE_COUNT, P_EXEMPTION_COUNT, P_CAP_COUNT, P_OUTPUT_COUNT
//   p_eval, p_eval_batch           typed calls of the library's exported entry points
//   p_eval_module, p_matches       the same through a descriptor (a module loaded with dlopen)
//   p_rule_applied, …              result bit readers; p_date(y, m, d), p_str("…") helpers
//
// Every generated identifier is prefixed, so members such as `IN` or `none` cannot collide with
// C keywords or macros. Struct members are the field and output names, with a trailing `_` when
// the name is a C or C++ keyword or a common macro (`errno`, `linux`, …). If two generated names
// still coincide (e.g. members `a` and `A`), the later one gets a `_2`, `_3`… suffix.
#pragma once

#include <string>
#include <vector>

#include "pir/pir.h"

namespace edict::codegen {

// The text of `<policy>.h`. `abi_header` is how it includes edict.h (normally "edict.h").
auto EmitHeader(const pir::Module& module, const std::string& abi_header = "edict.h") -> std::string;

// The symbol the build adds as an alias of edict_module_v1 (`edict_<policy>_module_v1`), so that
// a program can link several policies and still reach each descriptor.
auto ModuleAliasSymbol(const pir::Module& module) -> std::string;

// The dynamic symbols a built `lib<policy>.so` exports: edict_module_v1, the alias above and
// the typed entry points (codegen.h). Everything else is local.
auto ExportedSymbols(const pir::Module& module) -> std::vector<std::string>;

}  // namespace edict::codegen
