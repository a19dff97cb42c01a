/* edict.h — THE stable C ABI of compiled Edict policies (C99; no C++ types cross it).
 *
 * A compiled policy (a shared library built by `edict build`, or code JIT-compiled in process)
 * exports exactly one entry point:
 *
 *     const edict_module *edict_module_v1(void);
 *
 * It returns a constant descriptor with the policy's metadata, its input schema, its rule,
 * exemption, cap and output tables, the sizes of the per-module structs, and the evaluation
 * functions. Everything it points to lives as long as the module is loaded and is never written.
 *
 * Versioning. `EDICT_ABI_VERSION` changes whenever the layout of any struct below or the meaning
 * of any field changes; the entry point's name carries the version (`edict_module_v1`), and
 * `edict_module::abi_version` repeats it. A loader refuses a module whose version it does not
 * know. New fields are only ever added at the end of `edict_module`, with `struct_size` telling a
 * newer loader how much of it an older module has.
 *
 * ---- Value representation (input fields, outputs, cap keys) -----------------------------------
 *
 *   bool          int64_t  0 or 1
 *   int           int64_t
 *   date          int64_t  days since 1970-01-01 (proleptic Gregorian; years 0001-9999)
 *   enum / tier   int64_t  member index, in declaration order (edict_module::enums)
 *   float         double   always finite
 *   string        edict_str {const char *ptr; size_t len} — UTF-8, not NUL-terminated; the
 *                 bytes belong to the caller (inputs) or to the module (constants)
 *
 * ---- The input struct -----------------------------------------------------------------------
 *
 * One slot per input field, in declaration order, each at `edict_field::offset`: 8 bytes for
 * int64_t / double, 16 bytes for edict_str; every slot is 8-byte aligned and there is no other
 * padding, so the struct a C compiler lays out for the same members in the same order (the
 * generated `<policy>.h` declares it) is byte-for-byte this one. Size: `input_size`.
 *
 * ---- The result struct ----------------------------------------------------------------------
 *
 * `result_size` bytes, 8-byte aligned, allocated by the caller. It starts with `edict_result`
 * (16 bytes); the rest is laid out by the module, at offsets given by the descriptor:
 *
 *   rules_applied_offset       uint64_t[EDICT_WORDS(rule_count)]       bit r: rule r applies
 *   deciding_offset            uint64_t[EDICT_WORDS(rule_count)]       bit r: rule r decides
 *   exemptions_applied_offset  uint64_t[EDICT_WORDS(exemption_count)]  bit e: exemption e applies
 *   caps_applied_offset        uint64_t[EDICT_WORDS(cap_count)]        bit c: cap c applies
 *   record_offset              int64_t[cap_count]   amount a `decide` records for cap c, or -1
 *   edict_output::offset       one typed slot per output (8 or 16 bytes, as for inputs)
 *
 * Bit i of a bitset is bit (i % 64) of word (i / 64); see edict_bit() below. A rule *decides*
 * when it applies and proposes the final outcome. On an evaluation error only the edict_result
 * header is meaningful: `error` is non-zero, `error_line`/`error_col` locate the expression at
 * fault in the policy source (0:0 for request-level errors such as `not_in_force`), `outcome` is
 * -1; the tail is zeroed, except `record`, which is -1 for every cap.
 *
 * ---- Threads --------------------------------------------------------------------------------
 *
 * Every function is reentrant and thread-safe: evaluation uses only its arguments and the
 * stack, never global state, never the heap, and never calls back into the host.
 */
#ifndef EDICT_H_
#define EDICT_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define EDICT_ABI_VERSION 1

/* Number of uint64_t words in a bitset of n bits. */
#define EDICT_WORDS(n) (((n) + 63u) / 64u)

/* The kinds of values (edict_type::kind). */
typedef enum edict_type_kind {
  EDICT_TYPE_BOOL = 0,
  EDICT_TYPE_INT = 1,
  EDICT_TYPE_FLOAT = 2,
  EDICT_TYPE_STRING = 3,
  EDICT_TYPE_DATE = 4,
  EDICT_TYPE_ENUM = 5
} edict_type_kind;

/* Evaluation error codes (LANGUAGE.md §10). Stable: never renumbered, only appended to. */
typedef enum edict_error_code {
  EDICT_OK = 0,
  EDICT_ERR_INT_OVERFLOW = 1,
  EDICT_ERR_DIVISION_BY_ZERO = 2,
  EDICT_ERR_NON_FINITE = 3,
  EDICT_ERR_NEGATIVE_AMOUNT = 4,
  EDICT_ERR_NEGATIVE_LIMIT = 5,
  EDICT_ERR_NOT_IN_FORCE = 6,
  /* Request errors, raised by decoders (the JSON codec), never by eval. */
  EDICT_ERR_UNKNOWN_FIELD = 7,
  EDICT_ERR_MISSING_FIELD = 8,
  EDICT_ERR_WRONG_TYPE = 9,
  EDICT_ERR_UNKNOWN_MEMBER = 10,
  EDICT_ERR_INVALID_DATE = 11,
  EDICT_ERR_BAD_REQUEST = 12,
  EDICT_ERR_IDEMPOTENCY_CONFLICT = 13
} edict_error_code;

/* Cap windows (edict_cap::window). */
typedef enum edict_window {
  EDICT_WINDOW_DAY = 0,
  EDICT_WINDOW_MONTH = 1,
  EDICT_WINDOW_QUARTER = 2,
  EDICT_WINDOW_YEAR = 3,
  EDICT_WINDOW_FOREVER = 4
} edict_window;

/* Kinds of `because` pieces (edict_piece::kind). */
typedef enum edict_piece_kind {
  EDICT_PIECE_TEXT = 0,   /* literal text (constants are already formatted into it) */
  EDICT_PIECE_FIELD = 1,  /* the value of input field `index` */
  EDICT_PIECE_OUTPUT = 2, /* the value of output `index` (edict_module::outputs) */
  EDICT_PIECE_LET = 3,    /* the value of let `index` (edict_module::lets); not in the result */
  EDICT_PIECE_TODAY = 4   /* the request's date */
} edict_piece_kind;

typedef struct edict_str {
  const char *ptr;
  size_t len;
} edict_str;

typedef struct edict_type {
  int32_t kind;    /* edict_type_kind */
  int32_t enum_id; /* EDICT_TYPE_ENUM: index into edict_module::enums; else -1 */
} edict_type;

/* A scalar of any type: bool/int/date/enum in `i`, float in `f`, string in `s`. */
typedef struct edict_value {
  int64_t i;
  double f;
  edict_str s;
} edict_value;

/* An enum, tiers type or the decision: members in declaration order. */
typedef struct edict_enum {
  const char *name;
  uint32_t member_count;
  const char *const *members;
} edict_enum;

typedef struct edict_field {
  const char *name;
  edict_type type;
  uint32_t offset;      /* byte offset of the slot in the input struct */
  uint32_t has_default; /* 1: the field may be left out of a request, taking `default_value` */
  edict_value default_value;
  const char *doc;      /* doc comment lines joined with '\n'; "" when none */
} edict_field;

/* A let or an output (the values a `because` text may refer to). */
typedef struct edict_let {
  const char *name;
  edict_type type;
  int32_t output; /* index into edict_module::outputs, or -1 for a plain let */
} edict_let;

typedef struct edict_output {
  const char *name;
  edict_type type;
  uint32_t offset; /* byte offset of the slot in the result struct */
  uint32_t let;    /* index into edict_module::lets */
  const char *doc;
} edict_output;

/* One piece of a `because` template. */
typedef struct edict_piece {
  int32_t kind;     /* edict_piece_kind */
  int32_t index;    /* FIELD / OUTPUT / LET: which one; else -1 */
  const char *text; /* TEXT: the text; otherwise the name written between braces */
} edict_piece;

/* Validity flags (edict_rule::flags, edict_exemption::flags, edict_module::flags). */
#define EDICT_HAS_EFFECTIVE 1u /* `effective` is set: in force from that day */
#define EDICT_HAS_UNTIL 2u     /* `until` / `expires` is set: not in force from that day on */

/* What rules, exemptions and caps share: explanation and source position. */
typedef struct edict_explanation {
  const char *because;         /* the template as written ("{x}" for values), or NULL */
  uint32_t piece_count;
  const edict_piece *pieces;   /* the template split into pieces */
  const char *cite;            /* or NULL */
} edict_explanation;

typedef struct edict_rule {
  const char *name;
  int32_t outcome; /* decision member */
  uint32_t flags;  /* EDICT_HAS_EFFECTIVE | EDICT_HAS_UNTIL */
  int32_t effective, until; /* days since 1970-01-01, when the flag is set */
  uint32_t line, col;
  uint32_t defeated_by_count;
  const int32_t *defeated_by; /* exemption indexes */
  edict_explanation explanation;
  const char *doc;
} edict_rule;

typedef struct edict_exemption {
  const char *name;
  uint32_t flags;
  int32_t effective, until;
  uint32_t line, col;
  uint32_t defeated_by_count;
  const int32_t *defeated_by; /* exemption indexes */
  uint32_t target_rule_count, target_exemption_count, target_cap_count;
  const int32_t *target_rules, *target_exemptions, *target_caps;
  edict_explanation explanation;
  const char *doc;
} edict_exemption;

typedef struct edict_cap {
  const char *name;
  int32_t window; /* edict_window */
  uint32_t line, col;
  uint32_t defeated_by_count;
  const int32_t *defeated_by;  /* exemption indexes */
  const uint8_t *record;       /* per decision member: 1 when that outcome records the amount */
  uint32_t key_count;
  uint32_t first_key;          /* index of this cap's first key in cap_slots' key array */
  const edict_type *key_types; /* key_count types */
  const char *doc;
} edict_cap;

/* The header of every result (see "The result struct" above). */
typedef struct edict_result {
  int32_t error;       /* edict_error_code; EDICT_OK on success */
  uint32_t error_line; /* 1-based; 0 when the error has no source location */
  uint32_t error_col;
  int32_t outcome;     /* decision member; -1 on error */
} edict_result;

/* One cap's ledger slot for a request (cap_slots). */
typedef struct edict_cap_slot {
  int32_t applies;      /* 1: the cap applies (and has_key): a `decide` records at this key */
  int32_t has_key;      /* 1: the key values are set. Also for a cap that does not apply, since
                           usage(C) and remaining(C) are defined for every request: the caller
                           supplies the usage at this key whenever has_key. 0 only when a key
                           expression fails to evaluate. */
  int32_t window_start; /* first day of the cap's window holding `today` (0001-01-01 for forever) */
  int32_t reserved;     /* 0 */
} edict_cap_slot;

/* Evaluates one request. `input` points to an input struct (input_size bytes); `usage` to one
 * figure (>= 0) per cap, the usage for the request's own key and window, or NULL for all zero;
 * `today` is days since 1970-01-01; `result` to result_size writable bytes. Returns the error
 * code (also in result->error). */
typedef int (*edict_eval_fn)(const void *input, const int64_t *usage, int32_t today,
                             edict_result *result);

/* Evaluates n requests: inputs[k] at (const char*)inputs + k * input_size, usage at
 * usage + k * cap_count (or NULL for all zero), today[k], results at
 * (char*)results + k * result_size. Returns the number of results that are errors. */
typedef size_t (*edict_eval_batch_fn)(size_t n, const void *inputs, const int64_t *usage,
                                      const int32_t *today, void *results);

/* Computes every cap's slot: slots[c] for c < cap_count, and, when has_key, cap c's key values
 * in keys[caps[c].first_key ..] (caps[c].key_count values; edict_module::key_count in all). For
 * each cap: its keys (has_key = 0 when one fails to evaluate), then, when it has its key, its
 * `applies` (0 when that fails to evaluate). When the policy is not in force every slot has
 * has_key = applies = 0. window_start is always set. `applies` may depend on other caps' usage,
 * read from `usage` (NULL: all zero): a ledger resolves it by iterating until the slots no
 * longer change. Never fails. */
typedef void (*edict_cap_slots_fn)(const void *input, const int64_t *usage, int32_t today,
                                   edict_cap_slot *slots, edict_value *keys);

typedef struct edict_module {
  uint32_t abi_version; /* EDICT_ABI_VERSION */
  uint32_t struct_size; /* sizeof(edict_module) of the compiler that built it */

  /* Metadata. */
  const char *name;        /* the policy name */
  const char *version;     /* the `version` string; "" when none */
  const char *source_path; /* as given to the compiler */
  uint64_t source_hash;    /* FNV-1a 64 of the source text */
  uint32_t flags;          /* EDICT_HAS_EFFECTIVE | EDICT_HAS_UNTIL */
  int32_t effective;       /* in force on effective <= today < expires (days), when flagged */
  int32_t expires;

  /* Types and schema. */
  uint32_t enum_count;
  const edict_enum *enums;
  int32_t decision_enum;   /* the decision (outcome) enum */
  int32_t default_outcome; /* its default member */
  uint32_t field_count;
  const edict_field *fields;
  uint32_t let_count;
  const edict_let *lets;

  /* Tables. */
  uint32_t rule_count;
  const edict_rule *rules;
  uint32_t exemption_count;
  const edict_exemption *exemptions;
  uint32_t cap_count;
  const edict_cap *caps;
  uint32_t output_count;
  const edict_output *outputs;
  uint32_t key_count; /* total cap keys: size of cap_slots' key array */

  /* Layout. */
  uint32_t input_size;
  uint32_t result_size;
  uint32_t rules_applied_offset;
  uint32_t deciding_offset;
  uint32_t exemptions_applied_offset;
  uint32_t caps_applied_offset;
  uint32_t record_offset;

  /* Entry points. */
  edict_eval_fn eval;
  edict_eval_batch_fn eval_batch;
  edict_cap_slots_fn cap_slots;
} edict_module;

/* The one symbol a compiled policy exports. */
typedef const edict_module *(*edict_module_v1_fn)(void);
const edict_module *edict_module_v1(void);

/* ---- Helpers for reading results ---------------------------------------------------------- */

static inline int edict_bit(const edict_result *r, uint32_t offset, uint32_t i) {
  const uint64_t *words = (const uint64_t *)((const char *)r + offset);
  return (int)((words[i / 64u] >> (i % 64u)) & 1u);
}

static inline const void *edict_result_at(const edict_result *r, uint32_t offset) {
  return (const char *)r + offset;
}

static inline int64_t edict_record(const edict_module *m, const edict_result *r, uint32_t cap) {
  return ((const int64_t *)edict_result_at(r, m->record_offset))[cap];
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EDICT_H_ */
