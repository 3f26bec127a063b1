// The ISA list and what it drives: names and parsing, the supported set (bases run wherever their
// ISA does), GRADGUARD_ISA's checking (unknown names and ISAs the CPU lacks are reported, never
// silently dropped), and the kernel tables' fallback to a base's row.
#include "core/dispatch.h"

#include <cstdlib>
#include <string>

#include "core/isa_env.h"
#include "core/kernel_table.h"
#include "test_util.h"

using namespace gradguard;

namespace {

constexpr uint32_t bit(Isa isa) { return 1u << static_cast<int>(isa); }

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void test_names_round_trip() {
  CHECK(kIsaCount >= 2);
  CHECK(std::string(isa_name(static_cast<Isa>(0))) == "scalar");
  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    Isa parsed;
    CHECK_MSG(parse_isa(isa_name(isa), &parsed) && parsed == isa, "%s", isa_name(isa));
  }
  Isa out = Isa::kScalar;
  CHECK(!parse_isa("avx9000", &out));
  CHECK(!parse_isa("AVX2", &out));  // names are exact
  CHECK(!parse_isa("", &out));
  CHECK(out == Isa::kScalar);
}

void test_supported_set() {
  const uint32_t mask = supported_isa_mask();
  CHECK(mask & bit(Isa::kScalar));
  for (int i = 0; i < kIsaCount; ++i) {
    const Isa isa = static_cast<Isa>(i);
    CHECK(isa_supported(isa) == ((mask & bit(isa)) != 0));
    if (isa_supported(isa)) {
      CHECK_MSG(isa_built(isa), "%s runs but is not built", isa_name(isa));
      CHECK_MSG(isa_supported(isa_base(isa)), "%s runs but its base does not", isa_name(isa));
      CHECK(static_cast<int>(best_isa()) >= i);
    }
  }
  CHECK(isa_supported(best_isa()));
  // Only one architecture's SIMD ISAs are built.
  CHECK(!(isa_built(Isa::kNeon) && isa_built(Isa::kAvx2)));
}

void test_env_value_selects_a_supported_isa() {
  const uint32_t all = supported_isa_mask();
  std::string error = "stale";
  CHECK(isa_from_env(nullptr, all, &error) == best_isa() && error.empty());
  CHECK(isa_from_env("", all, &error) == best_isa() && error.empty());
  for (Isa isa : test::isas()) {
    CHECK_MSG(isa_from_env(isa_name(isa), all, &error) == isa && error.empty(), "%s",
              isa_name(isa));
  }
  // A mask without bit 0 still runs scalar.
  CHECK(isa_from_env("scalar", 0, &error) == Isa::kScalar && error.empty());
}

void test_env_unknown_name_is_an_error_naming_the_valid_ones() {
  std::string error;
  const uint32_t mask = bit(Isa::kScalar) | bit(Isa::kAvx2);
  CHECK(isa_from_env("avx9000", mask, &error) == Isa::kAvx2);
  CHECK_MSG(contains(error, "GRADGUARD_ISA=\"avx9000\"") && contains(error, "not an ISA"), "%s",
            error.c_str());
  for (int i = 0; i < kIsaCount; ++i) {
    CHECK_MSG(contains(error, isa_name(static_cast<Isa>(i))), "%s", error.c_str());
  }
  CHECK(isa_from_env("AVX2", mask, &error) == Isa::kAvx2 && contains(error, "\"AVX2\""));
  CHECK(isa_from_env(" avx2", mask, &error) == Isa::kAvx2 && !error.empty());
}

void test_env_isa_the_cpu_lacks_is_named_as_such() {
  std::string error;
  // A CPU with AVX2 but without AVX-512.
  CHECK(isa_from_env("avx512", bit(Isa::kScalar) | bit(Isa::kAvx2), &error) == Isa::kAvx2);
  CHECK_MSG(contains(error, "GRADGUARD_ISA=\"avx512\"") && contains(error, "lacks avx512") &&
                contains(error, "it runs avx2, scalar"),
            "%s", error.c_str());
  // A CPU with no SIMD ISA at all.
  CHECK(isa_from_env("neon", bit(Isa::kScalar), &error) == Isa::kScalar);
  CHECK_MSG(contains(error, "lacks neon") && contains(error, "it runs scalar"), "%s",
            error.c_str());
}

void test_process_env_error_matches_the_parser() {
  std::string expect;
  const Isa isa = isa_from_env(std::getenv("GRADGUARD_ISA"), supported_isa_mask(), &expect);
  const char* error = isa_env_error();
  CHECK(expect.empty() ? error == nullptr : (error != nullptr && expect == error));
  CHECK(active_isa() == isa);
}

// A table of ints shows which row each slot holds.
constexpr KernelTable<int> kOnlyAvx2 = [] {
  KernelTable<int> t(1);
  t.set(Isa::kAvx2, 2);
  return t;
}();
static_assert(kOnlyAvx2[Isa::kScalar] == 1 && kOnlyAvx2[Isa::kNeon] == 1, "scalar everywhere");
static_assert(kOnlyAvx2[Isa::kAvx2] == 2, "its own row");
static_assert(kOnlyAvx2[Isa::kAvx512] == 2, "AVX-512 without a row takes its base's (AVX2)");

constexpr KernelTable<int> kBoth = [] {
  KernelTable<int> t(1);
  t.set(Isa::kAvx512, 3);  // the order of set() calls does not matter
  t.set(Isa::kAvx2, 2);
  t.set(Isa::kNeon, 4);
  return t;
}();
static_assert(kBoth[Isa::kAvx512] == 3 && kBoth[Isa::kAvx2] == 2 && kBoth[Isa::kNeon] == 4 &&
                  kBoth[Isa::kScalar] == 1,
              "rows of their own stay");

void test_kernel_table_fallback() {
  CHECK(kOnlyAvx2[Isa::kAvx512] == 2);
  CHECK(kBoth[Isa::kAvx512] == 3);
}

}  // namespace

int main() {
  test_names_round_trip();
  test_supported_set();
  test_env_value_selects_a_supported_isa();
  test_env_unknown_name_is_an_error_naming_the_valid_ones();
  test_env_isa_the_cpu_lacks_is_named_as_such();
  test_process_env_error_matches_the_parser();
  test_kernel_table_fallback();
  return test::finish("dispatch_test");
}
